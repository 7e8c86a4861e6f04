module allcore.example/goproducer

go 1.24

require github.com/allcore/allcore/bindings/go v0.0.0

replace github.com/allcore/allcore/bindings/go => ../../../../go
