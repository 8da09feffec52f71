package store

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/custos-dev/custos/internal/records"
)

// The staging file of a records import: stageMagic, then one entry per
// record, each field in the order of records.Record:
//
//	varint ID, string Class, time CreatedAt, string Subject,
//	string Location, varint Size, string SHA256, time AddedAt,
//	string AddedBy
//
// where a string is a uvarint length and its bytes, and a time is a
// uvarint length and its time.MarshalBinary bytes (zone offset kept, as
// encoding/gob kept it).
//
// Staging files written before this format are encoding/gob streams of
// records.Record. An import interrupted under such a version is still
// finished from its file, by gobStageReader, without linking encoding/gob
// (whose init cost every command 0.12–0.2 ms).
const stageMagic = "custos records import staging 2\n"

// maxStageField bounds one field of a staged record, so that a damaged
// length cannot ask for gigabytes.
const maxStageField = 64 << 20

// appendStaged appends the staging encoding of r to b.
func appendStaged(b []byte, r *records.Record) []byte {
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	tm := func(t time.Time) {
		m, err := t.MarshalBinary()
		if err != nil {
			// Only a zone offset that is not a whole minute fails; no
			// parsed or generated time has one.
			panic(err)
		}
		b = binary.AppendUvarint(b, uint64(len(m)))
		b = append(b, m...)
	}
	b = binary.AppendVarint(b, r.ID)
	str(r.Class)
	tm(r.CreatedAt)
	str(r.Subject)
	str(r.Location)
	b = binary.AppendVarint(b, r.Size)
	str(r.SHA256)
	tm(r.AddedAt)
	str(r.AddedBy)
	return b
}

// stageReader reads the records of a staging file in either format.
type stageReader interface {
	// next is the next record, or io.EOF after the last.
	next() (*records.Record, error)
}

// newStageReader reads a staging file: this version's format, or the
// gob stream of an earlier one (legacy is then true).
func newStageReader(r *bufio.Reader) (sr stageReader, legacy bool, err error) {
	head, err := r.Peek(len(stageMagic))
	if err == nil && string(head) == stageMagic {
		r.Discard(len(stageMagic))
		return &stageDecoder{r: r}, false, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, false, err
	}
	return &gobStageReader{r: r}, true, nil
}

type stageDecoder struct {
	r   *bufio.Reader
	buf []byte
}

func (d *stageDecoder) next() (*records.Record, error) {
	if _, err := d.r.Peek(1); err == io.EOF {
		return nil, io.EOF
	}
	var r records.Record
	var err error
	num := func() int64 {
		if err != nil {
			return 0
		}
		var v int64
		v, err = binary.ReadVarint(d.r)
		return v
	}
	bytes := func() []byte {
		if err != nil {
			return nil
		}
		var n uint64
		if n, err = binary.ReadUvarint(d.r); err != nil {
			return nil
		}
		if n > maxStageField {
			err = fmt.Errorf("a field of %d bytes", n)
			return nil
		}
		if uint64(cap(d.buf)) < n {
			d.buf = make([]byte, n)
		}
		d.buf = d.buf[:n]
		_, err = io.ReadFull(d.r, d.buf)
		return d.buf
	}
	str := func() string { return string(bytes()) }
	tm := func() time.Time {
		var t time.Time
		if b := bytes(); err == nil {
			err = t.UnmarshalBinary(b)
		}
		return t
	}
	r.ID = num()
	r.Class = str()
	r.CreatedAt = tm()
	r.Subject = str()
	r.Location = str()
	r.Size = num()
	r.SHA256 = str()
	r.AddedAt = tm()
	r.AddedBy = str()
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// gobStageReader reads the encoding/gob stream of records.Record that
// earlier versions staged: messages of a uint length and a signed type
// id; a negative id defines a type (skipped: the writer only ever sent
// records.Record and the time.Time inside it), a positive one is a
// record, its non-zero fields as a uint field delta and a value, ended by
// a zero delta. Integers are gob's: below 128 one byte, else a byte of
// minus the count of big-endian bytes that follow; a signed integer is
// its uint with the sign in the low bit.
type gobStageReader struct {
	r      *bufio.Reader
	typeID int64
}

func (g *gobStageReader) next() (*records.Record, error) {
	for {
		n, err := gobUint(g.r)
		if err != nil {
			return nil, err // io.EOF at the end of the stream
		}
		if n > maxStageField {
			return nil, fmt.Errorf("a gob message of %d bytes", n)
		}
		m := &gobMessage{b: make([]byte, n)}
		if _, err := io.ReadFull(g.r, m.b); err != nil {
			return nil, io.ErrUnexpectedEOF
		}
		id := m.int()
		if m.err != nil {
			return nil, m.err
		}
		if id < 0 {
			continue
		}
		if g.typeID == 0 {
			g.typeID = id
		} else if id != g.typeID {
			return nil, fmt.Errorf("gob value of type %d after type %d", id, g.typeID)
		}
		return m.record()
	}
}

type gobMessage struct {
	b   []byte
	err error
}

func (m *gobMessage) uint() uint64 {
	if m.err != nil {
		return 0
	}
	v, n, err := gobUintBytes(m.b)
	if err != nil {
		m.err = err
		return 0
	}
	m.b = m.b[n:]
	return v
}

func (m *gobMessage) int() int64 {
	u := m.uint()
	if u&1 != 0 {
		return ^int64(u >> 1)
	}
	return int64(u >> 1)
}

func (m *gobMessage) bytes() []byte {
	n := m.uint()
	if m.err != nil {
		return nil
	}
	if n > uint64(len(m.b)) {
		m.err = io.ErrUnexpectedEOF
		return nil
	}
	b := m.b[:n]
	m.b = m.b[n:]
	return b
}

func (m *gobMessage) time() time.Time {
	var t time.Time
	if b := m.bytes(); m.err == nil {
		m.err = t.UnmarshalBinary(b)
	}
	return t
}

// record decodes a records.Record value, its fields numbered in the
// struct's order.
func (m *gobMessage) record() (*records.Record, error) {
	var r records.Record
	for field := -1; m.err == nil; {
		d := m.uint()
		if d == 0 || m.err != nil {
			break
		}
		field += int(d)
		switch field {
		case 0:
			r.ID = m.int()
		case 1:
			r.Class = string(m.bytes())
		case 2:
			r.CreatedAt = m.time()
		case 3:
			r.Subject = string(m.bytes())
		case 4:
			r.Location = string(m.bytes())
		case 5:
			r.Size = m.int()
		case 6:
			r.SHA256 = string(m.bytes())
		case 7:
			r.AddedAt = m.time()
		case 8:
			r.AddedBy = string(m.bytes())
		default:
			m.err = fmt.Errorf("gob record field %d", field)
		}
	}
	if m.err == nil && len(m.b) != 0 {
		m.err = fmt.Errorf("%d bytes after a gob record", len(m.b))
	}
	if m.err != nil {
		return nil, m.err
	}
	return &r, nil
}

func gobUint(r io.ByteReader) (uint64, error) {
	b, err := r.ReadByte()
	if err != nil {
		return 0, err
	}
	if b < 0x80 {
		return uint64(b), nil
	}
	n := -int(int8(b))
	if n > 8 {
		return 0, fmt.Errorf("gob integer of %d bytes", n)
	}
	var v uint64
	for range n {
		c, err := r.ReadByte()
		if err != nil {
			return 0, io.ErrUnexpectedEOF
		}
		v = v<<8 | uint64(c)
	}
	return v, nil
}

func gobUintBytes(b []byte) (uint64, int, error) {
	if len(b) == 0 {
		return 0, 0, io.ErrUnexpectedEOF
	}
	if b[0] < 0x80 {
		return uint64(b[0]), 1, nil
	}
	n := -int(int8(b[0]))
	if n > 8 || len(b) < 1+n {
		return 0, 0, io.ErrUnexpectedEOF
	}
	var v uint64
	for _, c := range b[1 : 1+n] {
		v = v<<8 | uint64(c)
	}
	return v, 1 + n, nil
}
