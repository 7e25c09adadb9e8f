package httpapi

// webhookRoutes registers the webhook endpoints (CONTRACT §6).
func (s *Server) webhookRoutes() {}
