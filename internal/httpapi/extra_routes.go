package httpapi

// extraRoutes registers the routes of the areas kept in files of their own
// (webhooks.go, attachments.go, docs.go).
func (s *Server) extraRoutes() {
	s.webhookRoutes()
	s.attachmentRoutes()
	s.docsRoutes()
}
