package stream

import (
	"strings"
	"testing"
)

func TestIsToken(t *testing.T) {
	tokens := []string{
		`{"type":"response.output_text.delta","delta":"Hello"}`,                    // OpenAI Responses
		`{"choices":[{"delta":{"content":"Hi"}}]}`,                                 // Chat Completions
		`{"type":"content_block_delta","delta":{"type":"text_delta","text":"Hi"}}`, // Anthropic
		`{"token":"x"}`, `{"answer":"partial"}`, `plain text token`, `{not json`,
	}
	control := []string{
		``, `   `, `[DONE]`,
		`{"type":"response.created","id":"resp_1"}`,
		`{"choices":[{"delta":{"role":"assistant","content":""}}]}`,
		`{"type":"content_block_start","content_block":{"type":"text","text":""}}`,
		`{"type":"message_start","message":{"content":[]}}`,
		`{"type":"response.completed"}`,
	}
	for _, d := range tokens {
		if !isToken([]byte(d)) {
			t.Errorf("isToken(%s) = false, want true", d)
		}
	}
	for _, d := range control {
		if isToken([]byte(d)) {
			t.Errorf("isToken(%s) = true, want false", d)
		}
	}
}

// TestSSEParserAcrossReads feeds an OpenAI-style stream split at awkward
// places: tokens are counted when their event completes, however the
// bytes arrive, and control events, comments and empty data never count.
func TestSSEParserAcrossReads(t *testing.T) {
	stream := "event: response.created\ndata: {\"type\":\"response.created\",\"id\":\"r\"}\n\n" +
		": keep-alive\n\ndata: \n\n" +
		"event: response.output_text.delta\r\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hel\"}\r\n\r\n" +
		"data: {\"delta\":\n" + "data: \"lo\"}\n\n" + // one event, data over two lines
		"event: response.completed\ndata: {\"type\":\"response.completed\"}\n\ndata: [DONE]\n\n"
	for _, size := range []int{1, 2, 3, 7, 64, len(stream)} {
		var p sseParser
		total := 0
		for i := 0; i < len(stream); i += size {
			total += p.feed([]byte(stream[i:min(i+size, len(stream))]))
		}
		if total != 2 {
			t.Errorf("reads of %d bytes: %d tokens, want 2", size, total)
		}
	}
	var p sseParser
	if n := p.feed([]byte(strings.Repeat("data: x\n\n", 5))); n != 5 {
		t.Errorf("5 plain events in one read: %d tokens", n)
	}
}
