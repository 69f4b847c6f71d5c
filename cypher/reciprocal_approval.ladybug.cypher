// reciprocal_approval — 干部之间相互为对方亲属审批 (LadybugDB dialect; see reciprocal_approval.cypher)
// Lists every payment one approver (a) approved for another approver (b) or b's relative within `hops`
// kinship edges; graphaudit pairs approvers who did so for each other.
// Parameters:
//   hops        default 2 (1–3): the number marked /*hops*/ below (substituted by graphaudit)
//   $approvers  ids of everyone who approved something (query `roles`): the walks start there
MATCH kin = (b:Person)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0]-(r:Person)
WHERE b.id IN $approvers
MATCH (a:Person)-[:APPROVED]->(pay:Payment)-[:PAID_TO]->(r)
WHERE a.id <> b.id
RETURN a.id AS approver_id, b.id AS other_id, r.id AS recipient_id, kin,
       collect({id: pay.id, kind: 'Payment', what: pay.program, amount: pay.amount, date: pay.pay_date, org_code: pay.village_code}) AS records
UNION ALL
MATCH kin = (b:Person)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF* ALL SHORTEST 1..2 /*hops*/]-(r:Person)
WHERE b.id IN $approvers AND r.id <> b.id
MATCH (a:Person)-[:APPROVED]->(pay:Payment)-[:PAID_TO]->(r)
WHERE a.id <> b.id
RETURN a.id AS approver_id, b.id AS other_id, r.id AS recipient_id, kin,
       collect({id: pay.id, kind: 'Payment', what: pay.program, amount: pay.amount, date: pay.pay_date, org_code: pay.village_code}) AS records
