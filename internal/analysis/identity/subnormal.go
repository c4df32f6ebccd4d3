package identity

import (
	"encoding/binary"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of the ONNX protobuf messages that can hold weights
// (onnx.proto3): a model's graph, a graph's initializers and nodes, a
// node's attributes, an attribute's tensors and subgraphs, and a tensor's
// element type and data.
const (
	modelGraph = 7

	graphNode        = 1
	graphInitializer = 5

	nodeAttribute = 5

	attrTensor  = 5
	attrGraph   = 6
	attrTensors = 10
	attrGraphs  = 11

	tensorDataType  = 2
	tensorFloatData = 4
	tensorRawData   = 9

	onnxFloat = 1 // TensorProto.DataType FLOAT
)

var errBadModel = errors.New("not a readable ONNX model")

// zeroSubnormals sets every subnormal float32 weight of an ONNX model to
// zero, in place, and returns how many it changed. A subnormal weight is
// below 1.2e-38 in magnitude, far too small to matter to a network's
// output, but each multiplication with one takes a slow path in the CPU
// (about a hundred cycles instead of one): the stand-in embedding model
// carries 8,938 of them and runs three times slower for it. The bytes of
// the model keep their size, so nothing but those values changes.
func zeroSubnormals(model []byte) (int, error) {
	n := 0
	err := walk(model, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num != modelGraph || typ != protowire.BytesType {
			return nil
		}
		k, err := zeroGraph(v)
		n += k
		return err
	})
	return n, err
}

func zeroGraph(g []byte) (int, error) {
	n := 0
	err := walk(g, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if typ != protowire.BytesType {
			return nil
		}
		var k int
		var err error
		switch num {
		case graphInitializer:
			k, err = zeroTensor(v)
		case graphNode:
			k, err = zeroNode(v)
		}
		n += k
		return err
	})
	return n, err
}

func zeroNode(node []byte) (int, error) {
	n := 0
	err := walk(node, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num != nodeAttribute || typ != protowire.BytesType {
			return nil
		}
		k, err := zeroAttribute(v)
		n += k
		return err
	})
	return n, err
}

func zeroAttribute(attr []byte) (int, error) {
	n := 0
	err := walk(attr, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if typ != protowire.BytesType {
			return nil
		}
		var k int
		var err error
		switch num {
		case attrTensor, attrTensors:
			k, err = zeroTensor(v)
		case attrGraph, attrGraphs:
			k, err = zeroGraph(v)
		}
		n += k
		return err
	})
	return n, err
}

// zeroTensor zeroes the subnormal values of a FLOAT tensor, whether they
// are stored as raw little-endian bytes or as (packed) float_data.
func zeroTensor(t []byte) (int, error) {
	var dataType uint64
	var data [][]byte // raw_data and packed float_data, little-endian float32s
	var single [][]byte
	err := walk(t, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == tensorDataType && typ == protowire.VarintType:
			dataType, _ = protowire.ConsumeVarint(v)
		case num == tensorRawData && typ == protowire.BytesType,
			num == tensorFloatData && typ == protowire.BytesType:
			data = append(data, v)
		case num == tensorFloatData && typ == protowire.Fixed32Type:
			single = append(single, v)
		}
		return nil
	})
	if err != nil || dataType != onnxFloat {
		return 0, err
	}
	n := 0
	for _, d := range append(data, single...) {
		for i := 0; i+4 <= len(d); i += 4 {
			if subnormal(binary.LittleEndian.Uint32(d[i:])) {
				clear(d[i : i+4])
				n++
			}
		}
	}
	return n, nil
}

// subnormal reports whether the float32 with these bits is subnormal: a
// zero exponent and a non-zero fraction.
func subnormal(bits uint32) bool {
	return bits&0x7f800000 == 0 && bits&0x007fffff != 0
}

// walk calls fn with every field of a protobuf message: its number, wire
// type and value. For a bytes field the value is the field's bytes (a
// slice of msg, so fn may change them in place); for the other types it is
// the encoded value.
func walk(msg []byte, fn func(protowire.Number, protowire.Type, []byte) error) error {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return fmt.Errorf("%w: %v", errBadModel, protowire.ParseError(n))
		}
		msg = msg[n:]
		var v []byte
		switch typ {
		case protowire.BytesType:
			b, m := protowire.ConsumeBytes(msg)
			if m < 0 {
				return fmt.Errorf("%w: %v", errBadModel, protowire.ParseError(m))
			}
			v, n = b, m
		default:
			m := protowire.ConsumeFieldValue(num, typ, msg)
			if m < 0 {
				return fmt.Errorf("%w: %v", errBadModel, protowire.ParseError(m))
			}
			v, n = msg[:m], m
		}
		if err := fn(num, typ, v); err != nil {
			return err
		}
		msg = msg[n:]
	}
	return nil
}
