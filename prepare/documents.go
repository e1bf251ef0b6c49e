package prepare

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/ragload/ragload/internal/input"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets/auth"
)

// documentFiles lists the regular files of dir (symbolic links to regular
// files included), without dotfiles, sorted by name.
func documentFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, syscall.ENOTDIR) {
			return nil, fmt.Errorf("--documents %q is not a folder", dir)
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("--documents %q: no such folder", dir)
		}
		return nil, fmt.Errorf("--documents: %w", err)
	}
	var names []string
	for _, e := range entries { // sorted by name
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if st, err := os.Stat(filepath.Join(dir, e.Name())); err == nil && st.Mode().IsRegular() {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("--documents %q: no files to upload (subfolders and dotfiles are skipped)", dir)
	}
	return names, nil
}

// token logs c in and returns its access token.
func (p *preparer) token(ctx context.Context, c auth.Credential) (string, error) {
	pool := auth.NewPool(p.client, p.base, p.cfg.Auth, []auth.Credential{c})
	if err := pool.Login(ctx); err != nil {
		var le *auth.LoginError
		if errors.As(err, &le) && le.Err != nil {
			if uerr := p.notConnected(le.Err); uerr != nil {
				return "", uerr
			}
		}
		return "", err
	}
	return pool.Sessions()[0].Token().Value, nil
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// newFileBody streams the file at path as a multipart/form-data body with
// the file in the field "file". The returned close func must be called
// once the request is done; it waits for the writing goroutine.
func newFileBody(path string) (body io.Reader, contentType string, closeFn func(), err error) {
	f, err := input.Open(path)
	if err != nil {
		return nil, "", nil, fmt.Errorf("upload: %w", err)
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	contentType = mw.FormDataContentType()
	done := make(chan struct{})
	go func() {
		defer close(done)
		name := filepath.Base(path)
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, quoteEscaper.Replace(name)))
		ct := mime.TypeByExtension(filepath.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		w, err := mw.CreatePart(h)
		if err == nil {
			_, err = io.Copy(w, f)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err) // nil: the reader sees EOF
	}()
	return pr, contentType, func() {
		pr.Close() // unblocks the writer if the request stopped reading
		<-done
		f.Close()
	}, nil
}

// uploadAll uploads the files the server does not list yet, as c.
func (p *preparer) uploadAll(ctx context.Context, c auth.Credential, files []string, res *Result) error {
	p.logf("logging in as %s to upload documents", c.Username)
	tok, err := p.token(ctx, c)
	if err != nil {
		return fmt.Errorf("upload documents: %w", err)
	}
	have, err := p.listDocuments(ctx, tok)
	if err != nil {
		return err
	}
	for _, name := range files {
		if have[name] {
			res.Skipped = append(res.Skipped, name)
			continue
		}
		if ctx.Err() != nil {
			return interrupted(ctx)
		}
		code, err := p.upload(ctx, tok, name)
		if code == http.StatusUnauthorized { // the token expired during a long upload: once more
			if tok, err = p.token(ctx, c); err != nil {
				return fmt.Errorf("upload documents: %w", err)
			}
			code, err = p.upload(ctx, tok, name)
		}
		if err != nil {
			return err
		}
		res.Uploaded = append(res.Uploaded, name)
		p.logf("uploaded %s", name)
	}
	return nil
}

// upload posts one file and returns the status code with its error.
func (p *preparer) upload(ctx context.Context, tok, name string) (int, error) {
	u := p.base + p.cfg.UploadPath
	body, ct, closeBody, err := newFileBody(filepath.Join(p.cfg.Documents, name))
	if err != nil {
		return 0, err
	}
	defer closeBody()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, body)
	if err != nil {
		return 0, fmt.Errorf("upload %q: %w", name, err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := p.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, interrupted(ctx)
		}
		return 0, p.unreachable(fmt.Sprintf("upload %q to %s", name, p.shown+p.cfg.UploadPath), err)
	}
	defer resp.Body.Close()
	b := readBody(resp, 64<<10)
	switch resp.StatusCode {
	case http.StatusOK, http.StatusCreated:
		return resp.StatusCode, nil
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return resp.StatusCode, p.routeError(http.MethodPost, p.cfg.UploadPath, resp.Status, "--upload-path")
	case http.StatusRequestEntityTooLarge:
		return resp.StatusCode, fmt.Errorf("upload %q: the server refused it as too large (%s)", name, resp.Status)
	}
	return resp.StatusCode, fmt.Errorf("upload %q to %s: %s%s", name, p.shown+p.cfg.UploadPath, resp.Status, detail(b, tok))
}

// listDocuments returns the file names the server lists. It pages with
// ?skip=N while pages bring new entries, and stops at an empty page, at a
// repeated one (a server without paging) or at a page it cannot read.
func (p *preparer) listDocuments(ctx context.Context, tok string) (map[string]bool, error) {
	have := map[string]bool{}
	seen, prev := 0, ""
	for page := range maxListPages {
		names, err := p.documentsPage(ctx, tok, seen)
		if err != nil {
			if page > 0 && ctx.Err() == nil {
				break // no paging here: the first page is all we get
			}
			return nil, err
		}
		key := strings.Join(names, "\x00")
		if len(names) == 0 || key == prev {
			break
		}
		prev, seen = key, seen+len(names)
		for _, n := range names {
			have[n] = true
		}
	}
	p.logf("the server lists %d documents", seen)
	return have, nil
}

func (p *preparer) documentsPage(ctx context.Context, tok string, skip int) ([]string, error) {
	u, err := url.Parse(p.base + p.cfg.DocumentsPath)
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	if skip > 0 {
		q := u.Query()
		q.Set("skip", strconv.Itoa(skip))
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := p.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, interrupted(ctx)
		}
		return nil, p.unreachable("list documents at "+u.String(), err)
	}
	defer resp.Body.Close()
	b := readBody(resp, 64<<20)
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return nil, p.routeError(http.MethodGet, p.cfg.DocumentsPath, resp.Status, "--documents-path")
	default:
		return nil, fmt.Errorf("list documents at %s: %s%s", results.RedactURL(u.String()), resp.Status, detail(b, tok))
	}
	names, err := documentNames(b)
	if err != nil {
		return nil, fmt.Errorf("list documents at %s: %w", results.RedactURL(u.String()), err)
	}
	return names, nil
}

// documentNames reads the filename of each document of a list: a JSON
// array of objects, or an object holding one in "documents" or "items".
func documentNames(b []byte) ([]string, error) {
	list := json.RawMessage(b)
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(t, &obj); err != nil {
			return nil, fmt.Errorf("response is not JSON: %w", err)
		}
		var ok bool
		if list, ok = obj["documents"]; !ok {
			if list, ok = obj["items"]; !ok {
				return nil, fmt.Errorf("want an array of documents, or an object with a documents or items array; got an object with %s", strings.Join(slices.Sorted(maps.Keys(obj)), ", "))
			}
		}
	}
	var docs []struct {
		Filename string `json:"filename"`
	}
	if err := json.Unmarshal(list, &docs); err != nil {
		return nil, fmt.Errorf("want an array of documents with a filename: %w", err)
	}
	names := make([]string, 0, len(docs))
	for _, d := range docs {
		if d.Filename != "" {
			names = append(names, d.Filename)
		}
	}
	return names, nil
}
