// Package crash divides by zero in its test.
package crash

func Ratio(a, b int) int { return a / b }
