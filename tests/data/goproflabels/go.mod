module example.com/goproflabels

go 1.21
