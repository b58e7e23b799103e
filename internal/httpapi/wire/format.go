package wire

import (
	"encoding/json"
	"io"
	"sync"

	"github.com/danielgtaylor/huma/v2"
)

// jsonAppender is an answer that writes its own JSON. The checkout answers
// do, because encoding/json compacts every Marshaler's output again, which
// cost a quarter of a pickup-options request's CPU.
type jsonAppender interface {
	AppendJSON(b []byte) []byte
}

// answerBuffers hold appended answers between requests: a checkout answer
// is tens of KB, and growing a fresh buffer to that size for each one was
// most of the garbage a mixed load made.
var answerBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxKeptBuffer bounds the buffers kept, so one huge answer does not stay.
const maxKeptBuffer = 1 << 20

// JSONFormat is huma's JSON format, except for answers that append their
// own JSON.
var JSONFormat = huma.Format{
	Marshal: func(w io.Writer, v any) error {
		if a, ok := v.(jsonAppender); ok {
			buf := answerBuffers.Get().(*[]byte)
			b := append(a.AppendJSON((*buf)[:0]), '\n')
			_, err := w.Write(b) // the writer copies b: it may be reused now
			if cap(b) <= maxKeptBuffer {
				*buf = b
				answerBuffers.Put(buf)
			}
			return err
		}
		return huma.DefaultJSONFormat.Marshal(w, v)
	},
	Unmarshal: json.Unmarshal,
}
