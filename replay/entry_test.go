package replay

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestEntryMarshalLine(t *testing.T) {
	e := Entry{
		Offset: 12345 * time.Microsecond, Endpoint: "/query (basic)", Method: "POST", URL: "/api/v1/query/?a=1", Auth: true,
		Header: http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer secret"}},
		Body:   []byte(`{"query":"<a&b>"}`),
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"offset_us":12345,"endpoint":"/query (basic)","method":"POST","url":"/api/v1/query/?a=1","auth":true,` +
		`"headers":{"Content-Type":["application/json"]},"body":"{\"query\":\"\u003ca\u0026b\u003e\"}"}`
	equal(t, "line", string(b), want)
}

func TestEntryJSONRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		e        Entry
		contains string
	}{
		{"text body", Entry{Offset: time.Second, Endpoint: "q", Method: "POST", URL: "/q", Auth: true,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"query":"é?"}`)}, `"body":`},
		{"binary body", Entry{Offset: 5 * time.Microsecond, Method: "PUT", URL: "/upload",
			Body: []byte{0xff, 0x00, 0xfe, 'a'}}, `"body_base64":"/wD+YQ=="`},
		{"no body", Entry{Method: "GET", URL: "/health"}, `"offset_us":0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.e)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tt.contains) {
				t.Errorf("%s lacks %s", b, tt.contains)
			}
			var got Entry
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			equal(t, "entry", got, tt.e)
		})
	}
}

func TestEntryOffsetTruncatedToMicroseconds(t *testing.T) {
	b, err := json.Marshal(Entry{Offset: 1500 * time.Nanosecond, Method: "GET", URL: "/"})
	if err != nil {
		t.Fatal(err)
	}
	var got Entry
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	equal(t, "offset", got.Offset, time.Microsecond)
}

func TestEntryUnmarshalDropsCredentials(t *testing.T) {
	var e Entry
	line := `{"offset_us":1,"method":"GET","url":"/","headers":{"authorization":["Bearer x"],"cookie":["s=1"],"x-vegeta-seq":["3"],"accept":["*/*"]}}`
	if err := json.Unmarshal([]byte(line), &e); err != nil {
		t.Fatal(err)
	}
	equal(t, "headers", e.Header, http.Header{"Accept": {"*/*"}})
}

func TestEntryUnmarshalErrors(t *testing.T) {
	tests := []struct{ line, want string }{
		{`{"offset_us":1,`, "invalid JSON: unexpected end of JSON input"},
		{`{"offset_us":1,"url":"/"}`, "method: missing"},
		{`{"offset_us":1,"method":"GE T","url":"/"}`, `method: "GE T" is not a valid HTTP method`},
		{`{"offset_us":1,"method":"GET","url":"x"}`, `url: "x" must start with /`},
		{`{"offset_us":1,"method":"GET"}`, "url: missing"},
		{`{"offset_us":-5,"method":"GET","url":"/"}`, "offset_us: -5 is negative"},
		{`{"method":"GET","url":"/"}`, "offset_us: missing"},
		{`{"offset_us":"1","method":"GET","url":"/"}`, "offset_us: string is not a valid int64"},
		{`{"offset_us":1,"method":"GET","url":"/","body":"a","body_base64":"YQ=="}`, "body: body and body_base64 are mutually exclusive"},
		{`{"offset_us":1,"method":"GET","url":"/","body_base64":"!!"}`, "body_base64: illegal base64 data at input byte 0"},
		{`{"offset_us":1,"method":"GET","url":"/","headers":{"A b":["x"]}}`, `headers: "A b" is not a valid header name`},
		{`{"offset_us":1,"method":"GET","url":"/","headers":{"A":["x\r\nB: y"]}}`, "headers: A: the value holds a line break or NUL"},
	}
	for _, tt := range tests {
		_, err := decodeEntry([]byte(tt.line))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s:\n got %v\nwant %s", tt.line, err, tt.want)
		}
	}
}

func TestStripCredentials(t *testing.T) {
	h := http.Header{"Authorization": {"a"}, "proxy-authorization": {"b"}, "Cookie": {"c"},
		"X-Vegeta-Attack": {"d"}, "x-vegeta-seq": {"e"}, "Accept": {"f"}, "X-Vegetable": {"g"}}
	equal(t, "stripped", StripCredentials(h), http.Header{"Accept": {"f"}, "X-Vegetable": {"g"}})
	if len(h) != 7 {
		t.Error("StripCredentials modified its argument")
	}
	clean := http.Header{"Accept": {"f"}}
	equal(t, "clean", StripCredentials(clean), clean)
}
