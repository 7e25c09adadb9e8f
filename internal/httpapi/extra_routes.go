package httpapi

// extraRoutes registers the routes of the webhook and attachment areas,
// each kept in its own file (webhooks.go, attachments.go).
func (s *Server) extraRoutes() {
	s.webhookRoutes()
	s.attachmentRoutes()
}
