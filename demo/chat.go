package demo

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Bounds of the conversation store. Only a conversation's owner and turn
// count are kept (16 bytes), never its messages.
const (
	// maxConversations is how many conversations are remembered; starting
	// one more forgets the oldest, whose follow-ups then get 404.
	maxConversations = 1_000_000
	// maxChatTurns is how many turns (the first message and its
	// follow-ups) a conversation holds; the next follow-up gets 409.
	maxChatTurns = 10_000
	// maxTurnLatency caps the median service time of a turn.
	maxTurnLatency = time.Hour
)

// convPrefix starts every conversation id: "c-<n>", n from 1.
const convPrefix = "c-"

// conversation is what is kept of one conversation.
type conversation struct {
	owner int64 // the user's id (userStore)
	turns int64
}

// convStore holds the conversations, numbered from 1 in the order they
// were started.
type convStore struct {
	mu    sync.Mutex
	convs []conversation // convs[k] is conversation first+k
	first int64
}

func newConvStore() *convStore { return &convStore{first: 1} }

// start records a conversation of owner, at turn 1, and returns its
// number, forgetting the oldest beyond maxConversations.
func (c *convStore) start(owner int64) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.convs) >= maxConversations {
		c.convs = c.convs[1:] // append reallocates: memory stays bounded
		c.first++
	}
	c.convs = append(c.convs, conversation{owner: owner, turns: 1})
	return c.first + int64(len(c.convs)) - 1
}

// turnResult says how convStore.turn went.
type turnResult int

const (
	turnOK turnResult = iota
	turnUnknown
	turnForeign
	turnFull
)

// turn adds a turn to conversation n for owner and returns its number
// (2 for the first follow-up).
func (c *convStore) turn(n, owner int64) (int64, turnResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := n - c.first
	switch {
	case n < 1 || k < 0 || k >= int64(len(c.convs)):
		return 0, turnUnknown
	case c.convs[k].owner != owner:
		return 0, turnForeign
	case c.convs[k].turns >= maxChatTurns:
		return 0, turnFull
	}
	c.convs[k].turns++
	return c.convs[k].turns, turnOK
}

// parseConvID reads "c-<n>" (n from 1, decimal without leading zeros);
// it returns 0 for anything else.
func parseConvID(s string) int64 {
	digits, ok := strings.CutPrefix(s, convPrefix)
	if !ok || digits == "" || len(digits) > 18 || digits[0] == '0' || strings.TrimLeft(digits, "0123456789") != "" {
		return 0
	}
	n, _ := strconv.ParseInt(digits, 10, 64) // 1 to 18 digits: cannot fail
	return n
}

// chatRequest is the JSON body of the chat routes.
type chatRequest struct {
	Message string `json:"message"`
}

// chatResponse is the body of an answered chat message.
type chatResponse struct {
	ConversationID string  `json:"conversation_id"`
	Answer         string  `json:"answer"`
	Turn           int64   `json:"turn"`
	ProcessingTime float64 `json:"processing_time"`
}

// decodeChat reads and validates a chat body. On failure it writes the
// 422 response and returns false.
func decodeChat(w http.ResponseWriter, r *http.Request) (string, bool) {
	var req chatRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxFormBytes)).Decode(&req); err != nil {
		writeDetail(w, http.StatusUnprocessableEntity, "invalid JSON body")
		return "", false
	}
	msg := strings.TrimSpace(req.Message)
	if msg == "" {
		writeDetail(w, http.StatusUnprocessableEntity, "message is required")
		return "", false
	}
	return msg, true
}

// handleChat answers POST /api/v1/chat/: it starts a conversation of the
// token's user and answers its first message (201), in the time of a
// query.
func (s *Server) handleChat(w http.ResponseWriter, r *http.Request, user string) {
	msg, ok := decodeChat(w, r)
	if !ok {
		return
	}
	n := s.convs.start(s.users.id(user))
	s.stats.chat(user, false)
	s.chatAnswer(w, r, http.StatusCreated, n, 1, msg)
}

// handleFollowUp answers POST /api/v1/chat/{id}/messages: one more turn of
// a conversation of the token's user (200), slower as the conversation
// grows (Config.ChatTurnCost). Another user's conversation gets 403, an
// unknown one 404, a full one (maxChatTurns) 409.
func (s *Server) handleFollowUp(w http.ResponseWriter, r *http.Request, user string) {
	msg, ok := decodeChat(w, r)
	if !ok {
		return
	}
	n := parseConvID(r.PathValue("id"))
	turn, res := s.convs.turn(n, s.users.id(user))
	switch res {
	case turnUnknown:
		s.stats.unknownConv.Add(1)
		writeDetail(w, http.StatusNotFound, "Conversation not found")
		return
	case turnForeign:
		s.stats.foreign.Add(1)
		writeDetail(w, http.StatusForbidden, "Not your conversation")
		return
	case turnFull:
		writeDetail(w, http.StatusConflict, "Conversation is full")
		return
	}
	s.stats.chat(user, true)
	s.chatAnswer(w, r, http.StatusOK, n, turn, msg)
}

// chatAnswer spends turn's service time and answers msg.
func (s *Server) chatAnswer(w http.ResponseWriter, r *http.Request, status int, n, turn int64, msg string) {
	spent, ok := s.workFor(r, s.turnLatency(turn))
	if !ok {
		return
	}
	s.writeJSON(w, status, chatResponse{
		ConversationID: convPrefix + strconv.FormatInt(n, 10),
		Answer:         compose(msg, retrieve(msg, defaultMaxResults)),
		Turn:           turn,
		ProcessingTime: spent.Seconds(),
	})
}

// turnLatency is the median service time of turn k of a conversation:
// QueryLatency * (1 + ChatTurnCost*(k-1)), at most maxTurnLatency.
func (s *Server) turnLatency(k int64) time.Duration {
	q := float64(s.cfg.QueryLatency)
	d := q * (1 + s.cfg.ChatTurnCost*float64(k-1))
	if math.IsNaN(d) || d > float64(maxTurnLatency) {
		return max(s.cfg.QueryLatency, maxTurnLatency)
	}
	return time.Duration(d)
}
