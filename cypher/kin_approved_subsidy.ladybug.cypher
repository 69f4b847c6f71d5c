// kin_approved_subsidy — 审批人向本人或其亲属发放补贴 (LadybugDB dialect; see kin_approved_subsidy.cypher)
// Flags payments whose approver is the recipient or a relative of the recipient within kin_hops kinship edges.
// Parameters:
//   kin_hops    default 3 (1–5): the number marked /*kin_hops*/ below (substituted by graphaudit)
//   $approvers  ids of everyone who approved something (query `roles`): the walks start there, filtered by
//               `IN $approvers` in the same clause, which LadybugDB runs ~100× faster than walks from
//               nodes bound by an earlier clause.  ALL SHORTEST needs a lower bound of 1.
MATCH kin = (ap:Person)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0]-(rc:Person)
WHERE ap.id IN $approvers
MATCH (ap)-[:APPROVED]->(pay:Payment)-[:PAID_TO]->(rc)
RETURN ap.id AS approver_id, rc.id AS recipient_id, kin,
       collect({id: pay.id, program: pay.program, amount: pay.amount, pay_date: pay.pay_date,
                org_code: pay.village_code}) AS payments
UNION ALL
MATCH kin = (ap:Person)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF* ALL SHORTEST 1..3 /*kin_hops*/]-(rc:Person)
WHERE ap.id IN $approvers AND ap.id <> rc.id
MATCH (ap)-[:APPROVED]->(pay:Payment)-[:PAID_TO]->(rc)
RETURN ap.id AS approver_id, rc.id AS recipient_id, kin,
       collect({id: pay.id, program: pay.program, amount: pay.amount, pay_date: pay.pay_date,
                org_code: pay.village_code}) AS payments
