package httpapi

import (
	"encoding/json"
	"io"

	"github.com/danielgtaylor/huma/v2"
)

// jsonAppender is an answer that writes its own JSON. The checkout answers
// do, because encoding/json compacts every Marshaler's output again, which
// cost a quarter of a pickup-options request's CPU.
type jsonAppender interface {
	AppendJSON(b []byte) []byte
}

// jsonFormat is huma's JSON format, except for answers that append their
// own JSON.
var jsonFormat = huma.Format{
	Marshal: func(w io.Writer, v any) error {
		if a, ok := v.(jsonAppender); ok {
			b := a.AppendJSON(make([]byte, 0, 4096))
			_, err := w.Write(append(b, '\n'))
			return err
		}
		return huma.DefaultJSONFormat.Marshal(w, v)
	},
	Unmarshal: json.Unmarshal,
}
