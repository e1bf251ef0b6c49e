package auth

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/targets"
)

// Stamper caches a targets.Stamp for a session and rebuilds it when the
// session's token changes. Safe for concurrent use.
type Stamper struct {
	mix     *targets.Mix
	session *Session
	cur     atomic.Pointer[stamped]
}

// stamped is a Stamp and the token it carries.
type stamped struct {
	token *Token
	stamp *targets.Stamp
}

// NewStamper returns a Stamper for s's token on the endpoints of m.
func NewStamper(m *targets.Mix, s *Session) *Stamper { return &Stamper{mix: m, session: s} }

// Stamp returns the headers for the session's current token, or nil when it
// has none.
func (st *Stamper) Stamp() *targets.Stamp {
	tok := st.session.Token()
	if tok == nil {
		return nil
	}
	if s := st.cur.Load(); s != nil && s.token == tok {
		return s.stamp
	}
	s := &stamped{token: tok, stamp: st.mix.Stamp(tok.Value)}
	st.cur.Store(s)
	return s.stamp
}

// NewTargeter returns a vegeta.Targeter over the mix that spreads requests
// across the pool's sessions. The sequence of endpoints, questions and
// sessions is determined by seed (in call order). It does no I/O: tokens are
// those the pool holds at the moment.
func NewTargeter(m *targets.Mix, pool *Pool, seed uint64) vegeta.Targeter {
	var stampers []*Stamper
	if pool != nil {
		for _, s := range pool.Sessions() {
			stampers = append(stampers, NewStamper(m, s))
		}
	}
	var mu sync.Mutex
	// Two streams, so that the sequence of endpoints and questions for a
	// seed does not depend on how many accounts there are.
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	accounts := rand.New(rand.NewPCG(seed^0x5851f42d4c957f2d, seed))
	return func(tgt *vegeta.Target) error {
		mu.Lock()
		i, b := m.Pick(rng)
		si := 0
		if len(stampers) > 1 && m.Endpoint(i).Auth {
			si = accounts.IntN(len(stampers))
		}
		mu.Unlock()
		var st *targets.Stamp
		if len(stampers) > 0 {
			st = stampers[si].Stamp()
		}
		m.Fill(tgt, i, b, st)
		return nil
	}
}
