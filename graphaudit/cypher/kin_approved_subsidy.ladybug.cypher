// kin_approved_subsidy — 审批人向本人或其亲属发放补贴 (LadybugDB dialect; see kin_approved_subsidy.cypher)
// Flags payments whose approver is the recipient or a relative of the recipient within kin_hops kinship edges.
// Parameters:
//   kin_hops  default 3 (1–5): the number marked /*kin_hops*/ below (substituted by graphaudit).
// Shape (LadybugDB): the walks start from approvers bound by a first MATCH … WITH DISTINCT (not from an
// `id IN $list` filter, which scans every person once per list element), and the kinship walk and the
// payments are one comma-joined MATCH (a walk followed by a second MATCH is planned ~10× slower).
// ALL SHORTEST needs a lower bound of 1.  The walk is returned as its inner nodes and relationships
// (kin_mid, kin_rels), never whole: a path's end nodes are read with every property by scanning every person
// (graphaudit reads the approver and recipient by id: query person_nodes).
MATCH (ap:Person)-[:APPROVED]->(:Payment)
WITH DISTINCT ap
MATCH (ap)-[kin:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0 (e, n | {e.source}, {n.id, n.name, n.gender, n.birth_date})]-(rc:Person), (rc)<-[:PAID_TO]-(pay:Payment)<-[:APPROVED]-(ap)
RETURN ap.id AS approver_id, rc.id AS recipient_id, nodes(kin) AS kin_mid, rels(kin) AS kin_rels,
       collect({id: pay.id, program: pay.program, amount: pay.amount, pay_date: pay.pay_date,
                org_code: pay.village_code}) AS payments
UNION ALL
MATCH (ap:Person)-[:APPROVED]->(:Payment)
WITH DISTINCT ap
MATCH (ap)-[kin:SPOUSE_OF|PARENT_OF|SIBLING_OF* ALL SHORTEST 1..3 /*kin_hops*/ (e, n | {e.source}, {n.id, n.name, n.gender, n.birth_date})]-(rc:Person),
      (rc)<-[:PAID_TO]-(pay:Payment)<-[:APPROVED]-(ap)
WHERE ap.id <> rc.id
RETURN ap.id AS approver_id, rc.id AS recipient_id, nodes(kin) AS kin_mid, rels(kin) AS kin_rels,
       collect({id: pay.id, program: pay.program, amount: pay.amount, pay_date: pay.pay_date,
                org_code: pay.village_code}) AS payments
