module example.com/goviews

go 1.21
