package webhook

import "testing"

// The Standard Webhooks specification's test vector.
func TestSignStandardVector(t *testing.T) {
	const (
		secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		id     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
		ts     = 1614265330
		want   = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	)
	body := []byte(`{"test": 2432232314}`)
	got, err := Sign(secret, id, ts, body)
	if err != nil || got != want {
		t.Fatalf("Sign = %q, %v; want %q", got, err, want)
	}
	if !Verify(secret, id, ts, body, "v1,bm90IGl0 "+got) {
		t.Error("Verify refused a valid signature among several")
	}
	for name, v := range map[string]bool{
		"other body":      Verify(secret, id, ts, []byte(`{"test": 1}`), got),
		"other id":        Verify(secret, "msg_x", ts, body, got),
		"other timestamp": Verify(secret, id, ts+1, body, got),
		"other version":   Verify(secret, id, ts, body, "v2"+got[2:]),
		"other secret":    Verify("whsec_"+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", id, ts, body, got),
	} {
		if v {
			t.Errorf("%s: Verify accepted", name)
		}
	}
	if _, err := Sign("whsec_%%%", id, ts, body); err == nil {
		t.Error("a malformed secret signs")
	}
}
