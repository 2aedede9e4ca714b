// Package calc has a few functions with bugs for its tests to find.
package calc

func Add(a, b int) int { return a + b + 1 }

func Sub(a, b int) int { return a - b }

func Div(a, b int) int { return a / b }
