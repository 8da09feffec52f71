package report

import "time"

// Facts are what the store hands the report: the period's audit entries
// that change something, and the state of the objects the report counts,
// each with the sequence numbers of the entries that made it so. Build
// computes every figure from them and nothing else.
type Facts struct {
	// Head is the last audit entry the facts were read against.
	Head Head
	// Now is when the facts were read.
	Now time.Time
	// Counts are the period's successful entries of the commands the
	// report counts (Counted), classified as the store read them; when
	// nil, Build classifies Entries instead.
	Counts  *Counts
	Entries []Entry
	// Accounts is every account as it stands, with the entry that last
	// changed it.
	Accounts []Account
	// Reviews are the access review campaigns open at some time in the
	// period.
	Reviews []Review
	// Schedules are the retention schedules in force.
	Schedules []Schedule
	// Purges are the purges that started before the period's end and did
	// not finish before its start.
	Purges []Purge
	// Holds are the legal holds placed before the period's end and not
	// released before its start.
	Holds []Hold
	// Lookups are the record look-ups requested in the period.
	Lookups []Lookup
	// Incidents are those detected in the period or the same period a
	// year earlier, and those still open.
	Incidents []Incident
	// Verify is the outcome of verifying the audit chain at report time.
	Verify Verification
	// Checkpoints, Training and Drift are nil when the log records no
	// signed checkpoint, no course, or no directory reconciliation: the
	// report says so.
	Checkpoints []Checkpoint
	Training    []TrainingDept
	Drift       *Drift
	// People are the transfers carried out and the leave dates that fell
	// in the period (account transfer, account leave); nil when custos
	// predates them.
	People []ScheduledChange
	// Expired are the grants whose last day fell in the period.
	Expired []ExpiredGrant
	// States are the recorded account state changes, for the chart of
	// states over the period; nil when the store predates them.
	States *StateLog
}

// ScheduledChange is a transfer or a leave, as account expire carries
// them out on their date.
type ScheduledChange struct {
	Username string
	Kind     string // transfer, leave
	OnDate   time.Time
	State    string // scheduled, done, cancelled
	DoneAt   time.Time
	Seqs     []int64
}

// Head names the audit entry a report was computed against.
type Head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// Entry is an audit entry as the report counts it.
type Entry struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Operator string    `json:"operator"`
	Command  string    `json:"command"`
	// Args are the names of the flags given (their values left out).
	Args    []string `json:"-"`
	Objects []string `json:"objects"`
	Hash    string   `json:"hash"`
}

// Counted are the commands whose successful entries in the period the
// report classifies (the store reads only these).
var Counted = []string{
	"account request", "account reject", "account activate", "account freeze",
	"account revoke", "account expire",
	"access grant", "access revoke", "request approve",
}

// Account is one account as it stands.
type Account struct {
	Username string
	Type     string
	State    string
	// Until is the end date (YYYY-MM-DD) or "".
	Until string
	// Seq is the last successful entry that touched the account; 0 when
	// the log has none (an account made by a bulk load).
	Seq int64
}

// Review is one access review campaign.
type Review struct {
	Name      string
	State     string
	Due       string // YYYY-MM-DD
	StartedAt time.Time
	ClosedAt  time.Time
	Items     int64
	Kept      int64
	Revoked   int64
	// SoD and Clearance count the items flagged sod-conflict and
	// clearance-mismatch; their Kept counterparts those kept or undecided.
	SoD, SoDKept             int64
	Clearance, ClearanceKept int64
	// Seqs are the successful entries that touched the campaign.
	Seqs []int64
}

// Schedule is a retention schedule in force.
type Schedule struct {
	Class  string
	Retain string
	Locked bool
	Seqs   []int64
}

// Purge is one purge of records.
type Purge struct {
	ID            int64
	State         string
	StartedAt     time.Time
	FinishedAt    time.Time
	Class         string
	Count         int64
	Deleted       int64
	ArchiveSHA256 string
	// RequestID is the approved plan it carried out, and Approvers who
	// gave its stages.
	RequestID string
	Approvers []string
	Seqs      []int64
}

// Hold is one legal hold.
type Hold struct {
	Name       string
	Kind       string
	CreatedAt  time.Time
	ReleasedAt time.Time
	Seqs       []int64
}

// Lookup is one request to look records up.
type Lookup struct {
	ID        string
	CreatedAt time.Time
	State     string
	External  bool
	Seqs      []int64
}

// Incident is one security incident.
type Incident struct {
	ID         string
	Type       string
	Severity   string
	State      string
	DetectedAt time.Time
	Deadline   time.Time
	// ReportedAt is its first notification (regulator, customers or
	// management); zero while it has none.
	ReportedAt    time.Time
	Notifications int64
	ClosedAt      time.Time
	Frozen        int64
	Restored      int64
	// OpenSeq is the entry that opened it; Seqs every successful entry
	// that touched it.
	OpenSeq int64
	Seqs    []int64
	// NotifySeqs are the entries that recorded its notifications, and
	// CloseSeq the one that closed it (0 while open).
	NotifySeqs []int64
	CloseSeq   int64
}

// Verification is the outcome of `audit verify` run for the report.
type Verification struct {
	OK bool `json:"ok"`
	// Entries are the entries whose chain was checked: all of them, or
	// with Since those appended after the signed checkpoint.
	Entries int64  `json:"entries"`
	Error   string `json:"error,omitempty"`
	// Since is the signed checkpoint the verification started from
	// (report --since), or nil for a full verification from entry 1.
	Since *Checkpoint `json:"since_checkpoint,omitempty"`
}

// Checkpoint is a signed checkpoint of the log.
type Checkpoint struct {
	// Origin names the log, for a checkpoint read from its note.
	Origin    string    `json:"origin,omitempty"`
	Size      int64     `json:"size"`
	At        time.Time `json:"at"`
	Witnesses []string  `json:"witnesses"`
	Seq       int64     `json:"seq"`
	// Stored says the report verified from the latest note kept in the
	// store (report --vkey without --since), not from a file.
	Stored bool `json:"stored,omitempty"`
}

// TrainingDept is one department's training figures (a seam: not kept
// yet).
type TrainingDept struct {
	Department string
	Staff      int64
	Trained    int64
	Passed     int64
	Seqs       []int64
}

// Drift is what the last directory reconciliation found, as its audit
// entry records it (one object drift:KIND:USERNAME per finding).
type Drift struct {
	At  time.Time
	Seq int64
	// Kinds counts the findings by kind.
	Kinds map[string]int64
}

// ExpiredGrant is a grant whose last day (--until) fell in the period
// and that was not revoked before it: it lapsed by itself, as custos
// grants do. Seq is the entry that gave it (and set its last day).
type ExpiredGrant struct {
	ID    int64
	Until string // YYYY-MM-DD, the last day it was in force
	Seq   int64
}
