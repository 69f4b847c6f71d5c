// cadre_family_beneficiary — 村干部本人或近亲属享受补贴（需备案）
// Flags payments to a cadre, or to a cadre's relative within `hops` kinship edges, made in the village the
// cadre serves (the post's organisation is the payment's village) on a date the cadre held the post
// (HOLDS.start_date <= pay_date <= HOLDS.end_date, or end_date null) — whoever approved them.  Such payments
// must be registered (备案, 民发〔2021〕57号); the check lists them for that comparison.
// Parameters (Cypher cannot take a parameter as a variable-length bound, so graphaudit writes the validated
// numbers where marked /*name*/; edit them by hand here):
//   hops      default 2 (1–4): kinship edges between cadre and recipient, marked /*hops*/
//   township  default 0: marked /*township*/ — 1 (township_cadres=true) also counts a township cadre
//             (e.g. 民政助理员) for the villages of the township (PART_OF)
// Returns one row per cadre, recipient and shortest kinship path (kin runs cadre → recipient; length 0 when
// the cadre is the recipient), with the payments concerned and the post that makes each one count.
MATCH (c:Person)-[h:HOLDS]->(o:Org)<-[:PART_OF*0..0 /*township*/]-(v:Org)<-[:IN_ORG]-(pay:Payment)-[:PAID_TO]->(rc:Person)
WHERE c.id = rc.id AND h.start_date <= pay.pay_date AND (h.end_date IS NULL OR pay.pay_date <= h.end_date)
MATCH kin = (c)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0]-(rc)
RETURN c.id AS cadre_id, rc.id AS recipient_id, kin,
       collect({id: pay.id, program: pay.program, amount: pay.amount, pay_date: pay.pay_date, org_code: v.id,
                org_name: v.name, approver_id: pay.approver_id, title: h.title, post_org: o.id}) AS payments
UNION ALL
MATCH (c:Person)-[:HOLDS]->(:Org)
WITH DISTINCT c
MATCH (c)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*1..2 /*hops*/]-(rc:Person)<-[:PAID_TO]-(:Payment)
WHERE c <> rc
WITH DISTINCT c, rc
MATCH (c)-[h:HOLDS]->(o:Org)<-[:PART_OF*0..0 /*township*/]-(v:Org)<-[:IN_ORG]-(pay:Payment)-[:PAID_TO]->(rc)
WHERE h.start_date <= pay.pay_date AND (h.end_date IS NULL OR pay.pay_date <= h.end_date)
WITH c, rc, collect({id: pay.id, program: pay.program, amount: pay.amount, pay_date: pay.pay_date,
                     org_code: v.id, org_name: v.name, approver_id: pay.approver_id, title: h.title,
                     post_org: o.id}) AS payments
MATCH kin = allShortestPaths((c)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*..2 /*hops*/]-(rc))
RETURN c.id AS cadre_id, rc.id AS recipient_id, kin, payments
