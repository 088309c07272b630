//go:build !linux

package geo

import "time"

// threadCPU returns 0: only Linux tells a thread's CPU time.
func threadCPU() time.Duration { return 0 }
