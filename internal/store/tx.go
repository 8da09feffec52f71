package store

import (
	"context"
	"github.com/custos-dev/custos/internal/when"
	"time"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/incident"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/report"
	"github.com/custos-dev/custos/internal/request"
	"github.com/custos-dev/custos/internal/training"
)

// Tx is one invocation's transaction, as commands see it: who runs it and
// when, the objects it touches, and one small interface per domain. The
// store's one implementation (txn) runs every domain over database/sql
// with the engine's dialect; a command names the domain it works in, as
// in tx.Accounts().GetAccount(name), so what a command may touch reads
// from its code.
type Tx interface {
	// Context is the invocation's context.
	Context() context.Context
	// Now is the invocation's time, fixed at its start.
	Now() time.Time
	// Operator is the effective operator.
	Operator() *operator.Operator
	// RealOperator is the operator logged in at the OS.
	RealOperator() *operator.Operator
	// Invocation is the invocation being run.
	Invocation() *Invocation
	// Touch records objects ("operator:alice") for the audit entry.
	Touch(objects ...string)
	// SchemaVersions are the store's schema version and the binary's.
	SchemaVersions() (from, to int, err error)

	Accounts() Accounts
	Access() Access
	Records() Records
	Incidents() Incidents
	Audit() Audit
	Operators() Operators
	Policy() Policy
	Requests() Requests
	Training() Training
	Work() Work
	Report() Report
}

var _ Tx = (*txn)(nil)

func (t *txn) Accounts() Accounts   { return t }
func (t *txn) Access() Access       { return t }
func (t *txn) Records() Records     { return t }
func (t *txn) Incidents() Incidents { return t }
func (t *txn) Audit() Audit         { return t }
func (t *txn) Operators() Operators { return t }
func (t *txn) Policy() Policy       { return t }
func (t *txn) Requests() Requests   { return t }
func (t *txn) Training() Training   { return t }
func (t *txn) Work() Work           { return t }
func (t *txn) Report() Report       { return t }

// Access is the access part of a transaction.
type Access interface {
	// GrantAccess grants a role on a resource to an account if
	// access.CheckGrant allows it. An identical active grant changes nothing.
	GrantAccess(username, resource, role, reason, until string) (*access.Grant, bool, error)
	// RevokeGrants revokes the active grants of an account, on one resource
	// (and one role) when given. It returns what it revoked.
	RevokeGrants(username, resource, role, reason string) ([]*access.Grant, error)
	// ListGrants streams grants with their account's state, by account then id.
	ListGrants(f GrantFilter, fn func(*access.Grant, account.State) error) error
	// AddResource registers a resource; the owner must be an operator. The same
	// definition again changes nothing; a different one is a conflict.
	AddResource(r *access.Resource) (AddResult, error)
	// GetResource returns a resource, or NotFound.
	GetResource(name string) (*access.Resource, error)
	// ListResources streams resources in name order, at most limit of them
	// unless limit is 0.
	ListResources(limit int, fn func(*access.Resource) error) error
	// StartReview snapshots every active grant in scope into review items,
	// numbered in grant order, each with its reviewer and flags.
	StartReview(c *access.Campaign, progress func(done int64)) (int64, error)
	// GetReview returns a review campaign, or NotFound.
	GetReview(name string) (*access.Campaign, error)
	// ListReviews streams campaigns with their progress, newest first, at
	// most limit of them unless limit is 0. A campaign of another department
	// than a manager's is left out by the statement, so that the limit counts
	// only campaigns listed, and again by seeCampaign.
	ListReviews(limit int, fn func(*access.Campaign, ReviewProgress) error) error
	// ReviewItems streams a campaign's items in item order, those within the
	// operator's department scope only; a campaign of another department is
	// refused (exit 4).
	ReviewItems(name string, f ItemFilter, fn func(*access.Item) error) error
	// DecideReview records decisions by the effective operator, all or none:
	// every decision is checked before any is written. When an admin records
	// decisions on a reviewer's behalf (onBehalf), each counts as the item's
	// reviewer's, and the admin is recorded as having imported it. With dryRun
	// every decision is checked and nothing is written.
	DecideReview(name string, ds []Decision, onBehalf, dryRun bool) (DecideResult, error)
	// CheckDecisions checks decisions as DecideReview does and writes
	// nothing, reading the items in one ordered scan: it runs in a read
	// transaction (Spec.Prepare), its plan applied by ApplyDecisions.
	CheckDecisions(name string, ds []Decision, onBehalf bool) (*DecisionPlan, error)
	// ApplyDecisions writes a checked plan, all or none, each change only
	// if its item still holds what the check saw; otherwise nothing is
	// written (exit 5).
	ApplyDecisions(p *DecisionPlan) (DecideResult, error)
	// ResumeImport returns the plan of an import the campaign was left
	// "importing" by, for ApplyDecisions to finish, or nil if none was.
	ResumeImport(name string) (*DecisionPlan, error)
	// CloseReview applies the campaign's revocations in one transaction and
	// closes it. undecided says what to do with items nobody decided: keep or
	// revoke; when there are any and it is empty, closing is refused. With
	// dryRun nothing changes.
	CloseReview(name, undecided string, dryRun bool) (ReviewSummary, error)
	// PrepareClose reads and checks a close as CloseReview does and
	// writes nothing: it runs in a read transaction (Spec.Prepare), its
	// plan recorded by ApplyClose.
	PrepareClose(name, undecided string) (*ClosePlan, error)
	// ApplyClose records a prepared close if no decision was recorded and
	// the campaign did not change since it was read; otherwise nothing
	// changes (exit 5).
	ApplyClose(p *ClosePlan) (ReviewSummary, error)
}

// Accounts is the accounts part of a transaction.
type Accounts interface {
	// AccountPolicy reads the account policy keys.
	AccountPolicy() (*AccountPolicy, error)
	// GetAccount returns an account, or NotFound.
	GetAccount(username string) (*account.Account, error)
	// RequestAccount records a validated request. A username already taken,
	// even by a revoked account, and a second live account for the same
	// employee ID are conflicts.
	RequestAccount(a *account.Account) error
	// Approvals returns the approval stages given to an account.
	Approvals(username string) ([]account.Approval, error)
	// ApproveAccount gives one approval stage as the effective operator.
	ApproveAccount(username, stage, reason string) (*ApproveResult, error)
	// RejectAccount rejects a requested account.
	RejectAccount(username, reason string) (*account.Account, bool, error)
	// ActivateAccount makes an approved account active (agreementRef required)
	// or re-activates a frozen one (reason required). The account must then
	// change its password; the caller generates it and never stores it.
	ActivateAccount(username, agreementRef, reason string) (*account.Account, error)
	// FreezeAccount freezes an active account; freezing a frozen one changes
	// nothing.
	FreezeAccount(username, reason, incident string) (*account.Account, bool, error)
	// RevokeAccount revokes an account for good, with its grants, and keeps a
	// snapshot of both. Revoking a revoked account changes nothing.
	RevokeAccount(username, reason string) (*account.Account, bool, error)
	// AccountRevocation returns the revocation record, or nil.
	AccountRevocation(username string) (*Revocation, error)
	// ListAccounts streams accounts in username order.
	ListAccounts(f AccountFilter, fn func(*account.Account) error) error
	// ExpireAccounts freezes every active account whose last day is before
	// asOf (YYYY-MM-DD); with dryRun it only lists them.
	ExpireAccounts(asOf string, dryRun bool) ([]*account.Account, error)
	// Changes returns the recorded changes of object, oldest first.
	Changes(object string) ([]ChangeRecord, error)
	// UpdateAccount applies an edit (account.Edit.Apply) and records each
	// field's before and after with the reason. An edit that changes nothing
	// returns no changes.
	UpdateAccount(username string, e account.Edit, reason string) (*account.Account, []account.Change, error)
	// AccountSchedules returns the scheduled changes of an account, every state,
	// oldest first.
	AccountSchedules(username string) ([]account.Schedule, error)
	// PendingSchedules returns every change still waiting for its date by
	// asOf (YYYY-MM-DD), or all of them when asOf is "".
	PendingSchedules(asOf string) ([]account.Schedule, error)
	// ScheduleLeave records HR's notice that an account's holder leaves on a
	// date (account.PlanLeave); account expire carries it out then. A second
	// notice for the same account replaces the first, which is returned.
	ScheduleLeave(username, on, then, reason string) (*account.Schedule, *account.Schedule, error)
	// RequestClearance records a request to change an account's clearance;
	// the department's manager and IT approve it.
	RequestClearance(username, clearance, reason string) (*request.Request, error)
	// RequestTransfer records a request to move an account to another
	// department (account.PlanTransfer); a manager of the new department and
	// IT approve it. Under account.transfer_grants=revoke the grants to keep
	// are checked now, so a typo is found before anyone approves.
	RequestTransfer(username, department, position, on string, keep []string, reason string) (*request.Request, error)
	// CarryOutSchedules carries out every leaver and transfer whose date has
	// come by asOf (YYYY-MM-DD); with dryRun it only lists them. A change that
	// can no longer be made (the account was revoked meanwhile) is marked
	// done with the reason as its outcome, so it is not tried every night.
	CarryOutSchedules(asOf string, dryRun bool) ([]ScheduleResult, error)
	// LivePeople returns every account that is not revoked or rejected, in
	// username order, with only what a reconciliation compares.
	LivePeople() ([]account.Person, error)
	// ApplyHR acts on the leavers and movers of an HR reconciliation in this
	// one transaction: a leaver is scheduled to leave on HR's date (today when
	// it has passed or is missing), unless that notice is already recorded;
	// a mover's transfer is requested. Each finding's action, or why it was
	// not taken, is returned in order; only an internal error stops the rest.
	ApplyHR(findings []account.Finding, reason string) ([]string, error)
	// DirAccounts returns every account, final ones included, with what a
	// directory reconciliation compares: a directory user enabled for a
	// revoked account is the drift it exists to find.
	DirAccounts() ([]account.DirAccount, error)
	// ApplyDirectory records what a directory reconciliation found: the
	// accounts whose password the directory shows changed no longer must
	// change it (recorded with before and after); the accounts without a
	// login for account.inactive_days are marked inactive since today, for
	// the next review, and the active accounts the directory shows logging
	// in again are unmarked. It returns what it did per drift, in order.
	ApplyDirectory(drifts []account.Drift, dir []account.DirUser, source string) ([]string, error)
	// UpdateResource edits a resource (access.ResourceEdit.Apply): the new
	// owner must be an operator; a lower classification becomes a request
	// for the owner and IT to approve.
	UpdateResource(name string, e access.ResourceEdit, reason string) (*ResourceUpdate, error)
	// RemoveResource retires a resource (access.CheckRemove); with
	// revokeGrants its active grants are revoked in the same transaction and
	// returned. The row stays, for the grants and reviews that name it.
	RemoveResource(name, reason string, revokeGrants bool) ([]*access.Grant, error)
	// UpdateOperator changes an operator's roles, and its department when
	// department is not nil. Taking admin from the last admin is refused,
	// as removing them is.
	UpdateOperator(name string, roles []operator.Role, department *string) (*operator.Operator, []account.Change, error)
	// OwnedResources lists the resources an operator owns, by name.
	OwnedResources(name string) ([]string, error)
	// GrantOrExtend grants as GrantAccess does; when the account already
	// holds the grant, a different --until changes its last day
	// (access.CheckExtend), recorded with its before and after.
	GrantOrExtend(username, resource, role, reason, until string) (*GrantResult, error)
	// SeeAccount is GetAccount for commands that show an account: one outside
	// the operator's scope is refused (exit 4).
	SeeAccount(username string) (*account.Account, error)
}

// Audit is the audit part of a transaction.
type Audit interface {
	// AuditLog streams the entries matching f in sequence order.
	AuditLog(f AuditFilter, fn func(*audit.Entry) error) error
	// AuditHead returns the last entry, or a zero entry with GenesisHash when
	// the log is empty.
	AuditHead() (audit.Entry, error)
	// AuditTreeSize is the number of entries the stored Merkle tree holds.
	AuditTreeSize() (int64, error)
	// SaveCheckpoint keeps the signed checkpoint note of the tree of size
	// entries (public: the note and its signature, never a key).
	SaveCheckpoint(size int64, origin string, note []byte) error
	// StoredCheckpoints lists the kept notes, the latest first; limit 0
	// lists all.
	StoredCheckpoints(limit int) ([]*StoredCheckpoint, error)
	// StoredCheckpoint returns the kept note of size entries, or the
	// latest for size 0, or NotFound. Its signature is not checked here.
	StoredCheckpoint(size int64) (*StoredCheckpoint, error)
	// AuditRoot is the Merkle root of the first size entries.
	AuditRoot(size int64) ([]byte, error)
	// AuditEntry reads entry seq.
	AuditEntry(seq int64) (audit.Entry, error)
	// AuditInclusion returns entry seq and the proof that it is in the tree of
	// the first size entries, whose root is root. The proof is checked before
	// it is returned, so a store whose tree does not match its entries shows
	// here rather than on the auditor's laptop.
	AuditInclusion(seq, size int64) (e audit.Entry, proof, root []byte, hashes [][]byte, err error)
	// AuditConsistency returns the proof that the tree of the first size2
	// entries extends the tree of the first size1.
	AuditConsistency(size1, size2 int64) ([][]byte, error)
	// VerifyAgainst checks, after a full VerifyAudit (v), that the log
	// extends a signed checkpoint of size entries with root root: the log is
	// at least that long, and a consistency proof leads from that root to the
	// root of the entries v checked. When it does not, and the stored tree
	// still has the signed root, the first entry that differs from its leaf
	// is named; otherwise the tree was rewritten with the entries.
	VerifyAgainst(v *audit.Verifier, size int64, root []byte) error
	// VerifySince checks what was appended after a signed checkpoint of size
	// entries with root root, in time proportional to what was appended:
	// the stored tree still has that root at that size, entry size is in it,
	// the entries after it follow it in the chain, and with them the tree's
	// root is the stored tree's root now. What came before the checkpoint is
	// taken as verified when the checkpoint was (a full audit verify does it
	// again). It returns the head.
	VerifySince(size int64, root []byte) (int64, error)
	// VerifyAudit re-computes the whole chain up to the head, calling progress
	// with the number of entries checked and the head's sequence number. It
	// returns the verifier (whose Head is the last good entry) and the first
	// break, as an Integrity error naming the entry. A checkpoint, when given,
	// must name an entry still in the chain with the same hash.
	VerifyAudit(cp *audit.Checkpoint, maxSkew time.Duration, progress func(done, total int64)) (*audit.Verifier, error)
}

// Incidents is the incidents part of a transaction.
type Incidents interface {
	// IncidentPolicy reads the incident policy keys.
	IncidentPolicy() (incident.Policy, error)
	// OpenIncident records a new incident, names its accounts and freezes
	// those incident.OpenPlan says to, in the same transaction. IDs are
	// INC-YEAR-NNNN, numbered per year under the write lock, so concurrent
	// opens never collide.
	OpenIncident(inc *incident.Incident, usernames []string) ([]NamedAccount, error)
	// GetIncident returns an incident, or NotFound.
	GetIncident(id string) (*incident.Incident, error)
	// NoteIncident adds a note to the timeline.
	NoteIncident(id, text string) error
	// AssignIncident assigns the incident to a registered operator.
	AssignIncident(id, assignee string) error
	// NotifyIncident records that a party was notified; recording the same
	// notification again changes nothing.
	NotifyIncident(id, party, ref string) (bool, error)
	// UpdateIncident changes the severity or summary.
	UpdateIncident(id, severity, summary string) (*incident.Incident, error)
	// Notifications returns an incident's notifications.
	Notifications(id string) ([]incident.Notification, error)
	// IncidentAccounts returns the accounts an incident names.
	IncidentAccounts(id string) ([]NamedAccount, error)
	// CloseIncident closes an incident with its root cause and resolution.
	// With restore, every account this incident froze and that is still frozen
	// is re-activated (the caller prints the new passwords), unless another
	// open incident still names it.
	CloseIncident(id, rootCause, resolution, lessons string, restore bool) (*incident.Incident, []Restore, error)
	// IncidentEvents returns the timeline in time order.
	IncidentEvents(id string) ([]IncidentEvent, error)
	// ListIncidents streams incidents in ID order with their notifications.
	// Whether one is overdue is the policy's rule, decided in Go, so with a
	// limit the statement reads a limit's worth at a time (LIMIT), and reads
	// on past those the rule left out (OFFSET) until enough are listed.
	ListIncidents(f IncidentFilter, fn func(*incident.Incident, []incident.Notification) error) error
}

// Operators is the operators part of a transaction.
type Operators interface {
	// GetOperator returns an active operator by name.
	GetOperator(name string) (*operator.Operator, error)
	// OperatorCount returns the number of active operators.
	OperatorCount() (int, error)
	// AddOperator registers an operator. Adding one that exists with the same
	// roles and department changes nothing; with different ones it is a
	// conflict. A removed operator's name may be registered again.
	AddOperator(o *operator.Operator) (AddResult, error)
	// RemoveOperator removes an active operator. The last admin cannot be
	// removed: the store would have nobody left to manage it.
	RemoveOperator(name string) (*operator.Operator, error)
	// ListOperators calls fn for each operator in name order; removed ones only
	// when all is set; at most limit of them unless limit is 0.
	ListOperators(all bool, limit int, fn func(*operator.Operator) error) error
	// LoginStatement is, on PostgreSQL, the statement that would let the
	// operator name log in to the store when its role is missing or not a
	// member of custos_app, for an owner to run (custos needs no CREATEROLE);
	// "" when nothing is needed, and always on SQLite.
	LoginStatement(name string) (string, error)
}

// Policy is the policy part of a transaction.
type Policy interface {
	// PolicyValue returns the value of a registered key: the stored one, else the
	// default.
	PolicyValue(name string) (string, error)
	// ListPolicy returns every registered key with its value.
	ListPolicy() ([]PolicyValue, error)
	// SetPolicy validates and stores a value; it reports whether the value
	// changed. Setting a key to its current value changes nothing.
	SetPolicy(name, value string) (PolicyValue, bool, error)
}

// Records is the records part of a transaction.
type Records interface {
	// NewRecordInserter prepares the insert (in a bulk session).
	NewRecordInserter() (*RecordInserter, error)
	// RecordExists reports whether a record id is in the catalogue.
	RecordExists(id int64) (bool, error)
	// LocationRegistered reports whether a location is catalogued. Repeating
	// the partial index's condition (a non-empty location) lets the planner use
	// that index: without it, each file of an `import --dir` read the whole
	// catalogue.
	LocationRegistered(loc string) (bool, error)
	// GetRecord returns a record, or NotFound.
	GetRecord(id int64) (*records.Record, error)
	// ListRecords streams records by class and creation time. The due ones are
	// decided by records.Decide, record by record; they are read class by
	// class, each only up to the end of its retention window
	// (records.Schedule.Window), as a purge selects them: a class with nothing
	// due costs an index seek, not a read of the class. With a limit, each
	// statement reads at most the records still wanted (LIMIT); when Decide
	// left out some of them (created near the window's end), the class is
	// read on from the last one.
	ListRecords(f RecordFilter, fn func(*records.Record, records.Decision) error) error
	// Holds returns the holds, active ones only unless all is set, with the
	// record ids of record holds.
	Holds(all bool) ([]records.Hold, error)
	// AddHold places a legal hold. Record holds must name existing records.
	AddHold(h *records.Hold) error
	// ReleaseHold releases a hold; releasing a released hold changes nothing.
	ReleaseHold(name, reason string) (bool, error)
	// RequestLookup records a look-up for its viewer (the invoking operator
	// when ""), who must be an operator the invoking one may ask for.
	RequestLookup(l request.Lookup) (*request.Request, error)
	// ShowLookup streams the records in scope of an approved look-up, to the
	// operator it was approved for, within records.lookup_days of its
	// approval; each record shown is an object of the invocation's entry.
	ShowLookup(id string, fn func(*records.Record) error) (*request.Request, error)
	// ApprovedPlans lists the approved purge plans not yet carried out, oldest
	// first: what records purge --apply-approved carries out.
	ApprovedPlans() ([]string, error)
	// PurgeCandidates streams, class by class, the records a purge of class
	// (every scheduled class when "") as of asOf would delete: the bulk through
	// the index, each one confirmed by records.Decide.
	PurgeCandidates(class string, asOf time.Time, fn func(*records.Record) error) error
	// CommitPurge records a purge of exactly set, the ids its verified archive
	// holds, in the invocation's transaction. p.SetSHA256 is the hash the
	// archive's manifest gives for its ids; a set that does not hash to it is
	// an integrity failure and nothing is recorded. Nothing is selected here:
	// the batches delete the ids of the set, and no other. skips are the
	// records the selection left out because their files could not be safely
	// archived and destroyed; they are recorded with the purge.
	CommitPurge(p *Purge, set records.IDSet, skips []PurgeSkip) error
	// UnfinishedPurges returns purges that were committed but not finished,
	// say because the process was killed; running purge again finishes them.
	UnfinishedPurges() ([]*Purge, error)
	// PurgeArchives returns the SHA-256 of every recorded purge's archive, by
	// which a sweep knows the archives purges rest on wherever they have been
	// moved to.
	PurgeArchives() (map[string]bool, error)
	// LocationPurged reports whether a purge removed a record of this location
	// with this content (any content when sha256 is ""), so that intake does
	// not register a purged file again.
	LocationPurged(loc, sha256 string) (bool, error)
	// Identity names the store: the hash of its first audit entry, which no
	// other store shares. Purge archives carry it.
	Identity() (string, error)
	// SetRetention sets a class's retention period; the same value again
	// changes nothing, and a locked schedule is never shortened.
	SetRetention(class string, d when.Duration, description string) (bool, error)
	// LockRetention locks a class's schedule at its current period, by (a
	// request's id, or the operator); a locked schedule stays locked.
	LockRetention(class, by string) (bool, error)
	// Schedule returns a class's schedule, or NotFound.
	Schedule(class string) (*records.Schedule, error)
	// Schedules returns the retention schedules by class.
	Schedules() (map[string]records.Schedule, error)
}

// Report is the report part of a transaction.
type Report interface {
	// ReportFacts reads what the compliance report of period p counts, as of
	// the audit log's head when it starts: every traced sequence number is at
	// most that head. It verifies the chain too, since the report states
	// whether the log it counts is intact: in full from entry 1, or, given
	// since (a signed checkpoint whose signature the caller checked), only
	// what was appended after it (VerifySince: the stored tree still has the
	// signed root at the signed size, and the entries after it chain on and
	// give the stored tree's root now).
	ReportFacts(p report.Period, since *ReportSince) (*report.Facts, error)
	// ReportEntries reads the entries with the given sequence numbers, for
	// the report's list of traced entries.
	ReportEntries(seqs []int64) ([]report.Entry, error)
}

// Requests is the requests part of a transaction.
type Requests interface {
	// GetRequest returns a request with its approvals, or NotFound.
	GetRequest(id string) (*request.Request, error)
	// ListRequests streams requests, newest first.
	ListRequests(f RequestFilter, fn func(*request.Request) error) error
	// RequestAccess records an access request: the grant it asks for is
	// checked now as it would be applied (the account, the resource and its
	// role exist), and applied when its last stage is approved.
	RequestAccess(c request.AccessChange) (*request.Request, error)
	// ApproveRequest gives a stage ("" to infer it) of a request, and applies
	// the change when it is the last, in this same transaction, every rule
	// checked again at this moment. A change that fails its rules now leaves
	// the request approved, with the reason as its outcome.
	ApproveRequest(id, stage, reason string) (*RequestApproval, error)
	// RetainClass sets a class's retention period, or, when it shortens an
	// existing schedule under records.change_approval=required, records a
	// request for an officer to approve instead (returned; nothing changes
	// yet). A new class, a longer period or the same one apply at once; a
	// locked schedule is never shortened, by request or not.
	RetainClass(class string, d when.Duration, description string) (changed bool, q *request.Request, err error)
	// LockClass locks a class's schedule at its current period, or under
	// records.change_approval=required records a request for an officer to
	// approve instead. A schedule already locked changes nothing.
	LockClass(class, reason string) (changed bool, q *request.Request, err error)
	// ReleaseHoldOrAsk releases a hold, or under records.change_approval=
	// required records a request for an officer to approve instead.
	ReleaseHoldOrAsk(name, reason string) (changed bool, q *request.Request, err error)
	// CloseRequest rejects (withdraw false) or withdraws a pending request.
	CloseRequest(id, reason string, withdraw bool) (*request.Request, error)
	// CheckDirectGrant applies policy access.direct_grant to the operator.
	CheckDirectGrant() error
}

// Training is the training part of a transaction.
type Training interface {
	// AddCourse registers a course. The same definition again changes
	// nothing; a different one for an existing name is a conflict.
	AddCourse(c *training.Course) (AddResult, error)
	// GetCourse returns a course, or NotFound.
	GetCourse(name string) (*training.Course, error)
	// Courses returns every course, by name.
	Courses() ([]*training.Course, error)
	// RecordTraining records attempts, all checked (training.NewResult, the
	// account and the course exist) before any is written: one bad row
	// records none.
	RecordTraining(rows []TrainingRow, where func(i int) string) ([]training.Result, error)
	// TrainingReport is coverage and pass rate per department (one when
	// department is given), and who is overdue (training.Report).
	TrainingReport(department string) ([]training.DepartmentReport, []training.Overdue, error)
}

// Work is the part of a transaction that finds what waits on operators:
// the inbox and what is due.
type Work interface {
	// Inbox lists what awaits the invoking operator: account stages they may
	// give, requests they may approve, their undecided review items (one line
	// per campaign), and the open incidents assigned to them.
	Inbox() ([]InboxItem, error)
	// Due lists what is overdue, or due within the window, across the
	// organisation: accounts reaching their end date, open reviews and their
	// due date, open incidents and their reporting deadline, pending requests
	// and their expiry, records past retention, and the last audit checkpoint.
	Due(within time.Duration) ([]DueItem, error)
}

// Store is an opened custos store, as commands see it: the audited
// pipeline every invocation runs through, and the few workflows that span
// several transactions (purges, imports) as services a command calls
// once. Open and Create return the one implementation, over database/sql
// with the engine's dialect (SQLite or PostgreSQL).
type Store interface {
	// Path is the store's location (a file path or a redacted URL).
	Path() string
	// Close closes the store.
	Close() error
	// ReadOnly reports whether the store may not be written.
	ReadOnly() bool
	// SessionUser is the PostgreSQL login role, or "" on SQLite.
	SessionUser() string
	// Warnings are notices for the operator found while opening, such as
	// a store file every user on the host can read.
	Warnings() []string

	Pipeline
	Purges
	Imports
	AuditFeed
	Completer
}

// Pipeline runs invocations: each in its own transaction, authorised,
// and recorded in the audit log.
type Pipeline interface {
	Invoke(ctx context.Context, inv *Invocation, spec Spec, fn func(Tx) error) error
	View(ctx context.Context, inv *Invocation, spec Spec, fn func(Tx) error) error
	Authorize(ctx context.Context, inv *Invocation, spec Spec) error
	RecordFailure(ctx context.Context, inv *Invocation, failure error, objects []string) bool
}

// Purges are the purge workflows: selection, plans, and the batched
// deletion that a re-run finishes.
type Purges interface {
	RunPurge(ctx context.Context, inv *Invocation, spec Spec, req PurgeRequest) (*PurgeResult, error)
	PlanPurge(ctx context.Context, inv *Invocation, spec Spec, class string, asOf time.Time, deleteFiles bool, reason string) (*request.Request, error)
	PurgeSkips(ctx context.Context, purgeID int64) ([]PurgeSkip, error)
}

// Imports are the bulk loads: the staged records import, and a file of
// changes run a row at a time.
type Imports interface {
	RunImport(ctx context.Context, inv *Invocation, spec Spec, req ImportRequest) (*ImportResult, error)
	RunRows(ctx context.Context, inv *Invocation, spec Spec, rows []Row, done func(row Row, result string, err error) error) error
}

// Row is one row of a batch of changes (account update --from-file and
// the like): its line in the file, the objects it is about, and its
// operation, which says what it did.
type Row struct {
	Line    int
	Targets []string
	Run     func(Tx) (string, error)
}

// AuditFeed follows the log as it grows, for `audit export --follow`.
type AuditFeed interface {
	ListenAudit(ctx context.Context) (wait func(ctx context.Context, max time.Duration) error, stop func(), err error)
	TailAudit(ctx context.Context, after int64, fn func(*audit.Entry) error) (int64, error)
}

// Completer answers shell completion from a read-only store.
type Completer interface {
	Complete(ctx context.Context, kind, scope, prefix string, limit int) ([]Completion, error)
}

var _ Store = (*sqlStore)(nil)

// Warnings are the notices found while opening the store.
func (s *sqlStore) Warnings() []string { return s.warnings }
