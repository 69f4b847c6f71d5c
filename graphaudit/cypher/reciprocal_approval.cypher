// reciprocal_approval — 干部之间相互为对方亲属审批
// Lists every payment that one approver (a) approved for another approver (b), or for b's relative within
// `hops` kinship edges.  graphaudit pairs approvers who did so for each other (with the contracts of
// reciprocal_approval_contracts): a finding is a pair of approvers each of whom approved money for the
// other's side.
// Parameters:
//   hops  default 2 (1–3): the number marked /*hops*/ below.  Cypher cannot take a parameter as a
//         variable-length bound, so graphaudit writes the validated number there; edit it by hand here.
// Returns one row per approver a, other approver b, recipient r and shortest kinship path kin (b → r;
// length 0 when r is b), with a's payments to r.
MATCH (b:Person)-[:APPROVED]->()
WITH DISTINCT b
MATCH kin = (b)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0]-(r:Person)
MATCH (a:Person)-[:APPROVED]->(pay:Payment)-[:PAID_TO]->(r)
WHERE a <> b
RETURN a.id AS approver_id, b.id AS other_id, r.id AS recipient_id, kin,
       collect({id: pay.id, kind: 'Payment', what: pay.program, amount: pay.amount, date: pay.pay_date, org_code: pay.village_code}) AS records
UNION ALL
MATCH (b:Person)-[:APPROVED]->()
WITH DISTINCT b
MATCH (b)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*1..2 /*hops*/]-(r:Person)<-[:PAID_TO]-(:Payment)<-[:APPROVED]-(a:Person)
WHERE r <> b AND a <> b
WITH DISTINCT a, b, r
MATCH (a)-[:APPROVED]->(pay:Payment)-[:PAID_TO]->(r)
WITH a, b, r, collect({id: pay.id, kind: 'Payment', what: pay.program, amount: pay.amount, date: pay.pay_date, org_code: pay.village_code}) AS records
MATCH kin = allShortestPaths((b)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*..2 /*hops*/]-(r))
RETURN a.id AS approver_id, b.id AS other_id, r.id AS recipient_id, kin, records
