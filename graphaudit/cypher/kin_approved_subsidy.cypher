// kin_approved_subsidy — 审批人向本人或其亲属发放补贴
// Flags payments whose approver (APPROVED) is the recipient (PAID_TO) or a relative of the recipient within
// kin_hops kinship edges (SPOUSE_OF, PARENT_OF, SIBLING_OF, either direction).
// Parameters:
//   kin_hops  default 3 (1–5): the number marked /*kin_hops*/ below.  Cypher cannot take a parameter as a
//             variable-length bound, so graphaudit writes the validated number there; edit it by hand here.
// Returns one row per approver, recipient and shortest kinship path (kin runs approver → recipient; it has
// length 0 when approver and recipient are the same person), with the payments concerned.
MATCH (ap:Person)-[:APPROVED]->(pay:Payment)-[:PAID_TO]->(rc:Person)
WHERE ap.id = rc.id
MATCH kin = (ap)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0]-(rc)
RETURN ap.id AS approver_id, rc.id AS recipient_id, kin,
       collect({id: pay.id, program: pay.program, amount: pay.amount, pay_date: pay.pay_date,
                org_code: pay.village_code}) AS payments
UNION ALL
MATCH (ap:Person)-[:APPROVED]->(:Payment)-[:PAID_TO]->(rc:Person)
WHERE ap <> rc
WITH DISTINCT ap, rc
MATCH kin = allShortestPaths((ap)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*..3 /*kin_hops*/]-(rc))
MATCH (ap)-[:APPROVED]->(pay:Payment)-[:PAID_TO]->(rc)
RETURN ap.id AS approver_id, rc.id AS recipient_id, kin,
       collect({id: pay.id, program: pay.program, amount: pay.amount, pay_date: pay.pay_date,
                org_code: pay.village_code}) AS payments
