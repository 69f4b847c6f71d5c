// reciprocal_approval — 干部之间相互为对方亲属审批 (LadybugDB dialect; see reciprocal_approval.cypher)
// Lists every payment one approver (a) approved for another approver (b) or b's relative within `hops`
// kinship edges, and every contract a approved that was awarded to such a person in person (the Neo4j text
// leaves those to reciprocal_approval_contracts); graphaudit pairs approvers who did so for each other.
// Parameters:
//   hops  default 2 (1–3): the number marked /*hops*/ below (substituted by graphaudit)
// Shape (LadybugDB): the walks start from approvers bound by a first MATCH … WITH DISTINCT (an `id IN $list`
// filter scans every person once per list element), and walk and payments are one comma-joined MATCH.
MATCH (b:Person)-[:APPROVED]->()
WITH DISTINCT b
MATCH kin = (b)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0]-(r:Person), (r)<-[:PAID_TO]-(pay:Payment)<-[:APPROVED]-(a:Person)
WHERE a.id <> b.id
RETURN a.id AS approver_id, b.id AS other_id, r.id AS recipient_id, kin,
       collect({id: pay.id, kind: 'Payment', what: pay.program, amount: pay.amount, date: pay.pay_date, org_code: pay.village_code}) AS records
UNION ALL
MATCH (b:Person)-[:APPROVED]->()
WITH DISTINCT b
MATCH kin = (b)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF* ALL SHORTEST 1..2 /*hops*/]-(r:Person),
      (r)<-[:PAID_TO]-(pay:Payment)<-[:APPROVED]-(a:Person)
WHERE r.id <> b.id AND a.id <> b.id
RETURN a.id AS approver_id, b.id AS other_id, r.id AS recipient_id, kin,
       collect({id: pay.id, kind: 'Payment', what: pay.program, amount: pay.amount, date: pay.pay_date, org_code: pay.village_code}) AS records
UNION ALL
MATCH (b:Person)-[:APPROVED]->()
WITH DISTINCT b
MATCH kin = (b)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0]-(r:Person), (r)<-[:AWARDED_TO]-(k:Contract)<-[:APPROVED]-(a:Person)
WHERE a.id <> b.id
RETURN a.id AS approver_id, b.id AS other_id, r.id AS recipient_id, kin,
       collect({id: k.id, kind: 'Contract', what: k.title, amount: k.amount, date: k.sign_date, org_code: k.org_code}) AS records
UNION ALL
MATCH (b:Person)-[:APPROVED]->()
WITH DISTINCT b
MATCH kin = (b)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF* ALL SHORTEST 1..2 /*hops*/]-(r:Person),
      (r)<-[:AWARDED_TO]-(k:Contract)<-[:APPROVED]-(a:Person)
WHERE r.id <> b.id AND a.id <> b.id
RETURN a.id AS approver_id, b.id AS other_id, r.id AS recipient_id, kin,
       collect({id: k.id, kind: 'Contract', what: k.title, amount: k.amount, date: k.sign_date, org_code: k.org_code}) AS records
