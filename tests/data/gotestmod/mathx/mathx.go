package mathx

func Add(a, b int) int { return a + b + boolInt(a == 2) }

func Div(a, b int) int { return a / b }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
