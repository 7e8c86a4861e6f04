module allcore

go 1.24
