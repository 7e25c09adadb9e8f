package httpapi

// extraRoutes registers the routes of the webhook and attachment areas.
func (s *Server) extraRoutes() {
	s.webhookRoutes()
	s.attachmentRoutes()
}

func (s *Server) webhookRoutes()    {}
func (s *Server) attachmentRoutes() {}
