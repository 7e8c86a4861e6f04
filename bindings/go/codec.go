package allcore

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

// Codec turns the values of a Queue[T] into the byte messages the native
// queue holds, and back. The built-in codecs are BytesCodec (raw bytes,
// the same messages C and Python put and get), StringCodec and
// FixedCodec[T] (fixed-size numbers); any other encoding (JSON, gob,
// protobuf) is a small type implementing these two methods.
type Codec[T any] interface {
	// Encode appends the encoding of v to dst and returns the extended
	// slice. Put reads the result only during the call.
	Encode(v T, dst []byte) []byte
	// Decode returns the value encoded in data. data is the queue's
	// reusable buffer, overwritten by the next Get: Decode must copy what
	// it keeps.
	Decode(data []byte) (T, error)
}

// viewer is implemented by the built-in codecs whose encoding of a value
// is the value's own memory, so Put hands that memory to the library
// without copying it first.
type viewer[T any] interface {
	view(v T) []byte
}

// BytesCodec passes []byte values through unchanged: a Queue[[]byte]
// holds exactly the bytes that C (ac_queue_put/ac_queue_get) and Python
// raw-bytes queues exchange. Get returns a fresh copy of each message,
// never nil (an empty message decodes to an empty, non-nil slice).
type BytesCodec struct{}

// Encode appends v to dst.
func (BytesCodec) Encode(v []byte, dst []byte) []byte { return append(dst, v...) }

// Decode returns a copy of data.
func (BytesCodec) Decode(data []byte) ([]byte, error) {
	return append(make([]byte, 0, len(data)), data...), nil
}

func (BytesCodec) view(v []byte) []byte { return v }

// StringCodec stores a string as its UTF-8 bytes, without a length prefix
// or terminator (a C reader sees exactly the string's bytes).
type StringCodec struct{}

// Encode appends v's bytes to dst.
func (StringCodec) Encode(v string, dst []byte) []byte { return append(dst, v...) }

// Decode returns data as a string (a copy).
func (StringCodec) Decode(data []byte) (string, error) { return string(data), nil }

func (StringCodec) view(v string) []byte {
	return unsafe.Slice(unsafe.StringData(v), len(v))
}

// Fixed lists the fixed-size number types FixedCodec encodes.
type Fixed interface {
	~int8 | ~uint8 | ~int16 | ~uint16 | ~int32 | ~uint32 | ~int64 | ~uint64 |
		~float32 | ~float64 | ~uintptr
}

// FixedCodec stores a fixed-size number as its unsafe.Sizeof(T) bytes in
// the machine's native byte order (binary.NativeEndian), the layout a C
// reader of the same type sees. No reflection is involved. A queue of an
// 8-byte FixedCodec type (int64, uint64, float64, ...) moves its values
// through the library's 64-bit calls (ac_queue_put_u64 and friends), which
// need no buffer at all; such a message and a C uint64_t put with
// ac_queue_put_u64 are the same 8 bytes. Decode rejects a message of any
// other length.
type FixedCodec[T Fixed] struct{}

// Encode appends v's native-endian bytes to dst.
func (FixedCodec[T]) Encode(v T, dst []byte) []byte {
	switch unsafe.Sizeof(v) {
	case 1:
		return append(dst, *(*uint8)(unsafe.Pointer(&v)))
	case 2:
		return binary.NativeEndian.AppendUint16(dst, *(*uint16)(unsafe.Pointer(&v)))
	case 4:
		return binary.NativeEndian.AppendUint32(dst, *(*uint32)(unsafe.Pointer(&v)))
	default:
		return binary.NativeEndian.AppendUint64(dst, *(*uint64)(unsafe.Pointer(&v)))
	}
}

// Decode reads a value from exactly unsafe.Sizeof(T) bytes; any other
// length is an error matching ErrInvalidArgument.
func (FixedCodec[T]) Decode(data []byte) (T, error) {
	var v T
	size := int(unsafe.Sizeof(v))
	if len(data) != size {
		return v, newError("queue decode", ErrInvalidArgument,
			fmt.Sprintf("a %d-byte message is not a %d-byte %T", len(data), size, v))
	}
	switch size {
	case 1:
		*(*uint8)(unsafe.Pointer(&v)) = data[0]
	case 2:
		*(*uint16)(unsafe.Pointer(&v)) = binary.NativeEndian.Uint16(data)
	case 4:
		*(*uint32)(unsafe.Pointer(&v)) = binary.NativeEndian.Uint32(data)
	default:
		*(*uint64)(unsafe.Pointer(&v)) = binary.NativeEndian.Uint64(data)
	}
	return v, nil
}

// is64 reports whether FixedCodec[T] values are 8 bytes, the size of the
// library's 64-bit calls.
func (FixedCodec[T]) is64() bool {
	var v T
	return unsafe.Sizeof(v) == 8
}

// wide64 is implemented by FixedCodec; it tells Queue to use the 64-bit
// calls.
type wide64 interface{ is64() bool }

var (
	_ Codec[[]byte] = BytesCodec{}
	_ Codec[string] = StringCodec{}
	_ Codec[int64]  = FixedCodec[int64]{}
)
