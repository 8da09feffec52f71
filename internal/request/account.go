package request

import (
	"encoding/json"
	"strings"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/operator"
)

// The kinds of request that change who a person is in custos, or what a
// resource demands: a clearance change and a transfer (stages department
// and it; the department's manager is the new department's for a
// transfer), and lowering a resource's classification (stages owner and
// it). Each widens what someone may hold, so it is asked for and approved
// by two others instead of typed in.
const (
	KindClearance      = "clearance"
	KindTransfer       = "transfer"
	KindClassification = "classification"
)

// AccountStages are the stages of a clearance change or a transfer.
var AccountStages = []string{StageDepartment, StageIT}

// ClassificationStages are the stages of lowering a classification.
var ClassificationStages = []string{StageOwner, StageIT}

// ClearanceChange is the payload of a clearance request.
type ClearanceChange struct {
	Username  string `json:"username"`
	Clearance string `json:"clearance"`
	Was       string `json:"was"`
	Reason    string `json:"reason"`
}

// Payload is the change's canonical JSON.
func (c ClearanceChange) Payload() string { b, _ := json.Marshal(c); return string(b) }

// TransferChange is the payload of a transfer request: the move, its
// date, and the grants it keeps under account.transfer_grants=revoke.
type TransferChange struct {
	Username   string   `json:"username"`
	From       string   `json:"from"`
	Department string   `json:"department"`
	Position   string   `json:"position"`
	On         string   `json:"on"`
	Keep       []string `json:"keep,omitempty"`
	Reason     string   `json:"reason"`
}

// Payload is the change's canonical JSON.
func (c TransferChange) Payload() string { b, _ := json.Marshal(c); return string(b) }

// ClassificationChange is the payload of a request to lower a resource's
// classification.
type ClassificationChange struct {
	Resource       string `json:"resource"`
	Classification string `json:"classification"`
	Was            string `json:"was"`
	Reason         string `json:"reason"`
}

// Payload is the change's canonical JSON.
func (c ClassificationChange) Payload() string { b, _ := json.Marshal(c); return string(b) }

// describeAccount is Describe for the kinds of this file.
func describeAccount(kind, payload string) (string, bool) {
	switch kind {
	case KindClearance:
		var c ClearanceChange
		if json.Unmarshal([]byte(payload), &c) == nil {
			return "clearance " + c.Clearance + " for " + c.Username + " (was " + c.Was + ")", true
		}
	case KindTransfer:
		var c TransferChange
		if json.Unmarshal([]byte(payload), &c) == nil {
			s := "move " + c.Username + " from " + c.From + " to " + c.Department + " as " + c.Position + " on " + c.On
			if len(c.Keep) > 0 {
				s += ", keeping " + strings.Join(c.Keep, ",")
			}
			return s, true
		}
	case KindClassification:
		var c ClassificationChange
		if json.Unmarshal([]byte(payload), &c) == nil {
			return "classify " + c.Resource + " " + c.Classification + " (was " + c.Was + ")", true
		}
	}
	return "", false
}

// AccountEligible is who may give each stage of a clearance change or a
// transfer: admins any; a manager of department (the account's, or the
// new one for a transfer; a manager without a department any) the
// department stage; IT the it stage.
func AccountEligible(op *operator.Operator, department string) func(stage string) error {
	return func(stage string) error {
		if op.Has(operator.Admin) {
			return nil
		}
		switch stage {
		case StageDepartment:
			if op.Has(operator.Manager) && (op.Department == "" || operator.SameDepartment(op.Department, department)) {
				return nil
			}
			return errs.Deniedf("%s may not give the department stage: it needs a manager of %s or an admin", op.Name, department)
		case StageIT:
			if op.Has(operator.IT) {
				return nil
			}
			return errs.Deniedf("%s may not give the it stage: it needs the role it or admin", op.Name)
		}
		return errs.Deniedf("%s may not give the %s stage", op.Name, stage)
	}
}

// ClassificationEligible is who may give each stage of lowering the
// classification of a resource owned by owner.
func ClassificationEligible(op *operator.Operator, owner string) func(stage string) error {
	return func(stage string) error {
		if op.Has(operator.Admin) {
			return nil
		}
		switch stage {
		case StageOwner:
			if op.Name == owner {
				return nil
			}
			return errs.Deniedf("%s may not give the owner stage: it needs the resource's owner, %s, or an admin", op.Name, owner)
		case StageIT:
			if op.Has(operator.IT) {
				return nil
			}
			return errs.Deniedf("%s may not give the it stage: it needs the role it or admin", op.Name)
		}
		return errs.Deniedf("%s may not give the %s stage", op.Name, stage)
	}
}
