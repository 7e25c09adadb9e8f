package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// attachmentRoutes registers the attachment endpoints (CONTRACT §7).
func (s *Server) attachmentRoutes() {
	m := s.mux
	m.Handle("POST /workflows/attachments", s.authed(s.handleAttachmentCreate))
	m.Handle("POST /workflows/attachments/{id}/publish", s.authed(s.handleAttachmentPublish))
	// The upload URL is its own credential (a single-use secret).
	m.Handle("PUT /files/upload/{token}", s.open(s.handleAttachmentUpload))
	// Downloads authenticate only when the file is not published.
	m.Handle("GET /files/{id}", s.open(s.handleAttachmentDownload))
	m.Handle("GET /files/{id}/thumbnail", s.open(s.handleAttachmentDownload))
}

type attachmentSlotJSON struct {
	ID                 int64   `json:"id"`
	FileUploadURL      string  `json:"file_upload_url"`
	ThumbnailUploadURL *string `json:"thumbnail_upload_url"`
}

func (s *Server) handleAttachmentCreate(w http.ResponseWriter, r *http.Request) error {
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	b := body(raw)
	var in app.AttachmentInput
	if in.Filename, _, err = b.str("filename"); err != nil {
		return err
	}
	if in.ContentType, _, err = b.str("content_type"); err != nil {
		return err
	}
	if in.Size, in.HasSize, err = b.integer("size"); err != nil {
		return err
	}
	if in.Thumbnail, _, err = b.boolean("thumbnail"); err != nil {
		return err
	}
	return s.idempotent(w, r, raw, func(res any) (int, any) {
		slot := res.(*app.AttachmentSlot)
		return http.StatusOK, attachmentSlotJSON{ID: slot.ID, FileUploadURL: slot.FileUploadURL,
			ThumbnailUploadURL: slot.ThumbnailUploadURL}
	}, func(ctx context.Context) (any, error) { return s.app.CreateAttachment(ctx, actor(r), in) })
}

// handleAttachmentUpload streams the request body to storage. It must not
// use readBody (1 MiB limit, whole body in memory): the app layer reads the
// body through a reader that stops at the declared size.
func (s *Server) handleAttachmentUpload(w http.ResponseWriter, r *http.Request) error {
	res, err := s.app.Upload(r.Context(), r.PathValue("token"), r.Header.Get("Content-Type"), r.ContentLength, r.Body)
	if err != nil {
		// Do not read on into a body that was refused: close the connection.
		w.Header().Set("Connection", "close")
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": res.ID, "size": res.Size, "thumbnail": res.Thumbnail})
	return nil
}

type publishedJSON struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	URL          string  `json:"url"`
	ThumbnailURL *string `json:"thumbnail_url"`
	Size         int64   `json:"size"`
}

func (s *Server) handleAttachmentPublish(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.app.PublishAttachment(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	out := publishedJSON{ID: a.ID, Name: a.Name, URL: store.FileURL(s.publicURL, a.ID), Size: a.Size}
	if a.WantThumbnail {
		u := out.URL + "/thumbnail"
		out.ThumbnailURL = &u
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleAttachmentDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	caller, err := s.optionalActor(r)
	if err != nil {
		return err
	}
	thumb := strings.HasSuffix(r.URL.Path, "/thumbnail")
	f, err := s.app.OpenAttachment(r.Context(), caller, id, thumb)
	if err != nil {
		return err
	}
	defer f.Body.Close()
	h := w.Header()
	h.Set("Content-Type", f.Row.ContentType)
	h.Set("Content-Disposition", contentDisposition(f.Row.Name))
	// The bytes are the uploader's: a browser must neither sniff them nor
	// run them as a page of this origin.
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	// Stored bytes never change, so the id names the version (If-Range).
	etag := fmt.Sprintf(`"a%d"`, id)
	if thumb {
		etag = fmt.Sprintf(`"a%dt"`, id)
	}
	h.Set("ETag", etag)
	if f.Row.Published {
		h.Set("Cache-Control", "public, max-age=3600")
	} else {
		h.Set("Cache-Control", "private, no-cache")
	}
	// ServeContent answers HEAD, Range (206/416) and conditional requests.
	http.ServeContent(w, r, "", f.Row.DateCreated, f.Body)
	return nil
}

// optionalActor authenticates a request that may come without a key; a
// key that is sent must be valid.
func (s *Server) optionalActor(r *http.Request) (*app.Actor, error) {
	hdr := strings.TrimSpace(r.Header.Get("Authorization"))
	if hdr == "" {
		return nil, nil
	}
	scheme, key, ok := strings.Cut(hdr, " ")
	key = strings.TrimSpace(key)
	if !ok || !strings.EqualFold(scheme, "Bearer") || key == "" {
		if ok && key != "" {
			return nil, &problem.Error{Kind: problem.Unauthorized, Message: msgInvalidKey}
		}
		return nil, &problem.Error{Kind: problem.Unauthorized, Message: msgNoCredentials}
	}
	return s.app.Authenticate(r.Context(), key)
}

// contentDisposition builds "attachment" with the file name as RFC 6266
// wants it: a quoted ASCII fallback, plus filename* (RFC 5987, UTF-8) when
// the name is not plain ASCII.
func contentDisposition(name string) string {
	var fallback strings.Builder
	plain := true
	for _, c := range name {
		switch {
		case c < 0x20 || c == 0x7f || c > 0x7e:
			plain = false
			fallback.WriteByte('_')
		case c == '"' || c == '\\':
			fallback.WriteByte('\\')
			fallback.WriteRune(c)
		default:
			fallback.WriteRune(c)
		}
	}
	out := `attachment; filename="` + fallback.String() + `"`
	if !plain {
		// PathEscape leaves a few characters RFC 5987 does not allow in
		// attr-char unescaped; escape those too.
		enc := url.PathEscape(name)
		for _, c := range []string{"'", "(", ")", "*", ",", ";", "=", "@", ":", "/", "$"} {
			enc = strings.ReplaceAll(enc, c, fmt.Sprintf("%%%02X", c[0]))
		}
		out += "; filename*=UTF-8''" + enc
	}
	return out
}
