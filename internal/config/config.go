// Package config reads the server's settings from the environment.
package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Config holds every setting of the program.
type Config struct {
	Addr                string
	DataDir             string
	DatabaseURL         string
	PublicURL           string
	BootstrapEmail      string
	BootstrapAPIKey     string
	WebhookAllowPrivate bool
	SQLiteSynchronous   string
	DBMaxConns          int
	DBReadConns         int
	DBStatementTimeout  time.Duration
	DBConnMaxIdleTime   time.Duration
	LogLevel            string
	S3Endpoint          string
	S3Bucket            string
	S3Region            string
	S3AccessKey         string
	S3SecretKey         string
	// RateLimit is the requests per second allowed per API key (0: off);
	// RateLimitBurst how many may come at once (default 4 s worth). Each
	// server counts on its own: behind a load balancer, N servers let a key
	// make up to N times the rate.
	RateLimit      float64
	RateLimitBurst int
}

// Load reads the configuration through getenv (os.Getenv in main).
func Load(getenv func(string) string) (Config, error) {
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		Addr:              get("PNEUMATIC_ADDR", "127.0.0.1:8000"),
		DataDir:           get("PNEUMATIC_DATA_DIR", "./data"),
		DatabaseURL:       get("PNEUMATIC_DATABASE_URL", ""),
		BootstrapEmail:    get("PNEUMATIC_BOOTSTRAP_EMAIL", "owner@example.com"),
		BootstrapAPIKey:   get("PNEUMATIC_BOOTSTRAP_API_KEY", ""),
		SQLiteSynchronous: get("PNEUMATIC_SQLITE_SYNCHRONOUS", "FULL"),
		LogLevel:          get("PNEUMATIC_LOG_LEVEL", "info"),
		S3Endpoint:        get("PNEUMATIC_S3_ENDPOINT", ""),
		S3Bucket:          get("PNEUMATIC_S3_BUCKET", ""),
		S3Region:          get("PNEUMATIC_S3_REGION", "us-east-1"),
		S3AccessKey:       get("PNEUMATIC_S3_ACCESS_KEY", ""),
		S3SecretKey:       get("PNEUMATIC_S3_SECRET_KEY", ""),
	}
	c.PublicURL = strings.TrimRight(get("PNEUMATIC_PUBLIC_URL", "http://"+c.Addr), "/")
	var err error
	if c.WebhookAllowPrivate, err = parseBool(get("PNEUMATIC_WEBHOOK_ALLOW_PRIVATE", "false")); err != nil {
		return c, fmt.Errorf("PNEUMATIC_WEBHOOK_ALLOW_PRIVATE: %w", err)
	}
	if c.DBMaxConns, err = strconv.Atoi(get("PNEUMATIC_DB_MAX_CONNS", "20")); err != nil || c.DBMaxConns < 1 {
		return c, fmt.Errorf("PNEUMATIC_DB_MAX_CONNS must be a positive integer")
	}
	if c.DBReadConns, err = strconv.Atoi(get("PNEUMATIC_DB_READ_CONNS", "0")); err != nil || c.DBReadConns < 0 {
		return c, fmt.Errorf("PNEUMATIC_DB_READ_CONNS must be 0 (2 per CPU, at least 4) or a positive integer")
	}
	if c.DBStatementTimeout, err = time.ParseDuration(get("PNEUMATIC_DB_STATEMENT_TIMEOUT", "30s")); err != nil {
		return c, fmt.Errorf("PNEUMATIC_DB_STATEMENT_TIMEOUT: %w", err)
	}
	if c.DBConnMaxIdleTime, err = time.ParseDuration(get("PNEUMATIC_DB_CONN_MAX_IDLE_TIME", "5m")); err != nil || c.DBConnMaxIdleTime < 0 {
		return c, fmt.Errorf("PNEUMATIC_DB_CONN_MAX_IDLE_TIME must be a duration such as 5m")
	}
	if c.RateLimit, err = strconv.ParseFloat(get("PNEUMATIC_RATE_LIMIT", "1000"), 64); err != nil || c.RateLimit < 0 ||
		math.IsInf(c.RateLimit, 0) || math.IsNaN(c.RateLimit) {
		return c, fmt.Errorf("PNEUMATIC_RATE_LIMIT must be a number of requests per second (0 turns it off)")
	}
	if c.RateLimitBurst, err = strconv.Atoi(get("PNEUMATIC_RATE_LIMIT_BURST", "0")); err != nil || c.RateLimitBurst < 0 {
		return c, fmt.Errorf("PNEUMATIC_RATE_LIMIT_BURST must be a whole number of requests (0: 4 seconds' worth)")
	}
	if c.BootstrapAPIKey != "" && !strings.HasPrefix(c.BootstrapAPIKey, "pn-") {
		return c, fmt.Errorf("PNEUMATIC_BOOTSTRAP_API_KEY must start with pn-")
	}
	return c, nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off", "":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean: %q", s)
}
