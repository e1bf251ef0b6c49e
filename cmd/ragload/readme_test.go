package main

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/results"
)

// docLine is a command line of a shell block in the README or docs/.
type docLine struct {
	file string
	line int
	text string
}

// docCommands returns the ragload command lines of the ```sh blocks of
// README.md and docs/*.md, a block per slice, comments cut off.
func docCommands(t *testing.T) [][]docLine {
	t.Helper()
	files, _ := filepath.Glob("../../docs/*.md")
	files = append([]string{"../../README.md"}, files...)
	var blocks [][]docLine
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var block []docLine
		in := false
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for n := 1; sc.Scan(); n++ {
			text := sc.Text()
			switch {
			case !in && strings.HasPrefix(text, "```sh"):
				in, block = true, nil
			case in && strings.HasPrefix(text, "```"):
				in = false
				blocks = append(blocks, block)
			case in:
				if cmd := strings.TrimSpace(cutComment(text)); cmd != "" {
					block = append(block, docLine{strings.TrimPrefix(f, "../../"), n, cmd})
				}
			}
		}
	}
	return blocks
}

// cutComment drops a shell comment: a # outside quotes after a space.
func cutComment(s string) string {
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '#' && (i == 0 || s[i-1] == ' '):
			return s[:i]
		}
	}
	return s
}

// shellWords splits a simple command line into words (single and double
// quotes, no expansion); ok is false for lines a test cannot run as they
// are: variables, substitutions, pipes, background jobs, several commands.
func shellWords(s string) (words []string, ok bool) {
	if strings.ContainsAny(s, "$`|;&<>") {
		return nil, false
	}
	var w strings.Builder
	quote, inWord := byte(0), false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			w.WriteByte(c)
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == ' ' || c == '\t':
			if inWord {
				words, inWord = append(words, w.String()), false
				w.Reset()
			}
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, quote == 0
}

// ragloadArgs returns the arguments of a ragload command line ("ragload
// …" or "go run ./cmd/ragload …"), or false for other lines.
func ragloadArgs(line string) ([]string, bool) {
	words, ok := shellWords(line)
	switch {
	case !ok || len(words) == 0:
		return nil, false
	case words[0] == "ragload":
		return words[1:], true
	case len(words) > 2 && words[0] == "go" && words[1] == "run" && words[2] == "./cmd/ragload":
		return words[3:], true
	}
	return nil, false
}

// TestDocCommandsParse: every ragload command in the README's and the
// docs' shell blocks names a command that exists, with flags it has and
// values they take. (TestReadmeRunsAgainstDemo runs the README's.)
func TestDocCommandsParse(t *testing.T) {
	n := 0
	for _, block := range docCommands(t) {
		for _, l := range block {
			args, ok := ragloadArgs(l.text)
			if !ok {
				continue
			}
			n++
			root := newRootCmd(&streams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard})
			cmd, rest, err := root.Find(args)
			if err != nil {
				t.Errorf("%s:%d: %s: %v", l.file, l.line, l.text, err)
				continue
			}
			if err := cmd.ParseFlags(rest); err != nil {
				t.Errorf("%s:%d: %s: %v", l.file, l.line, l.text, err)
				continue
			}
			if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
				t.Errorf("%s:%d: %s: %v", l.file, l.line, l.text, err)
			}
		}
	}
	if n < 30 {
		t.Errorf("only %d ragload commands found in the README and docs: is the extraction broken?", n)
	}
}

// TestReadmeRunsAgainstDemo runs the README's shell blocks that target
// the demo API as they are written, each in a folder of its own: `ragload
// demo` as it is, and the others against a demo API on loopback that
// stands in for the one the block starts at 127.0.0.1:8000. A command may
// end with any verdict (on a busy machine a run can be not conclusive);
// none may fail to run.
func TestReadmeRunsAgainstDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the README's commands for about a minute")
	}
	t.Parallel()
	_, url := demoAPI(t, demo.Config{})
	addr := strings.TrimPrefix(url, "http://")
	ran := 0
	for _, block := range docCommands(t) {
		if block[0].file != "README.md" {
			continue
		}
		var runnable [][]string
		var lines []docLine
		for _, l := range block {
			args, ok := ragloadArgs(l.text)
			if !ok || slices.Contains(args, "serve") || (!strings.Contains(l.text, "127.0.0.1:8000") && !slices.Contains([]string{"demo", "report"}, args[0])) {
				continue
			}
			for i, a := range args {
				args[i] = strings.ReplaceAll(a, "127.0.0.1:8000", addr)
			}
			runnable, lines = append(runnable, args), append(lines, l)
		}
		if len(runnable) == 0 {
			continue
		}
		ran += len(runnable)
		t.Run(lines[0].file+":"+strconv.Itoa(lines[0].line), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for i, args := range runnable {
				cmd := command(t, args...)
				cmd.Dir = dir
				var stdout, stderr strings.Builder
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				cmd.WaitDelay = time.Second
				timer := time.AfterFunc(90*time.Second, func() { cmd.Process.Kill() })
				_ = cmd.Run()
				timer.Stop()
				code := cmd.ProcessState.ExitCode()
				if code != exitOK && code != exitVerdict && code != exitInconclusive {
					t.Errorf("%s:%d: %s: exit %d\nstdout:\n%s\nstderr:\n%s", lines[i].file, lines[i].line, lines[i].text, code, stdout.String(), stderr.String())
				}
			}
		})
	}
	if ran < 5 {
		t.Errorf("only %d README commands ran against the demo", ran)
	}
}

// readmeMaxWords is the README's budget: a front page read in five
// minutes. The reference belongs in docs/.
const readmeMaxWords = 2000

// TestReadmeWordCount: the README stays under readmeMaxWords words,
// counted as wc -w counts them (runs of non-space characters, code blocks
// included).
func TestReadmeWordCount(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	n := len(strings.Fields(string(data)))
	t.Logf("README.md: %d words (wc -w), budget %d", n, readmeMaxWords)
	if n >= readmeMaxWords {
		t.Errorf("README.md has %d words, want under %d: move reference material to docs/ and link it", n, readmeMaxWords)
	}
}

// TestReadmeExplainsMarks: every word the text verdict puts before a check
// (PASS, FAIL, mark ok, mark miss) is explained in the README, where the
// report is shown: marks are advisory and never fail the verdict.
func TestReadmeExplainsMarks(t *testing.T) {
	t.Parallel()
	dir := storedRun(t)
	m := readManifest(t, dir)
	m.Thresholds = []string{"p95<2s", "failures<1%", "p50<1us"}
	m.Marks = []string{"query:p50<1s", "p99<1us"} // one kept, one missed
	if err := results.WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	out, _, _ := ragload(t, "report", "--min-samples", "1", dir)
	words := map[string]bool{}
	for _, line := range strings.Split(out[strings.Index(out, "\nVerdict: "):], "\n") {
		for _, w := range []string{"PASS", "FAIL", "mark ok", "mark miss"} {
			if strings.HasPrefix(line, "  "+w+" ") {
				words[w] = true
			}
		}
	}
	if len(words) != 4 {
		t.Fatalf("the verdict printed %v, want all of PASS, FAIL, mark ok, mark miss:\n%s", words, out)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(readme)), " ") // lines joined
	const want = "`PASS`/`FAIL` lines are thresholds, which decide the verdict; `mark ok`/`mark miss` lines are advisory marks"
	if !strings.Contains(text, want) || !strings.Contains(text, "never failing the verdict") {
		t.Errorf("README does not explain the verdict's words: want %q and %q", want, "never failing the verdict")
	}
	if i, j := strings.Index(text, "mark ok p50<1s"), strings.Index(text, want); i < 0 || j < i {
		t.Errorf("README explains the marks (at %d) before it shows them (at %d)", j, i)
	}
}
