module github.com/allcore/allcore/bindings/go

go 1.24
