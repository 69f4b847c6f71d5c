// reciprocal_approval_contracts — 干部之间相互为对方亲属审批（工程合同） (LadybugDB dialect)
// The contracts side of reciprocal_approval (see reciprocal_approval_contracts.cypher).
// Parameters:
//   hops  default 2 (1–3): the number marked /*hops*/ below (substituted by graphaudit)
// Shape (LadybugDB): the walks start from approvers bound by a first MATCH … WITH DISTINCT (an `id IN $list`
// filter scans every person once per list element); the kinship walk, the ownership walk and the contracts
// are one comma-joined MATCH; and the walk ends in a Company (a walk that may end in a Person is planned
// ~20× slower).  Contracts awarded to b or b's relative in person are rows of reciprocal_approval's
// LadybugDB variant instead (its records carry their kind).  The walks are returned as their inner nodes and
// relationships, never whole with b and r, and one kinship walk of 0 to `hops` edges covers b in person and
// b's relatives: graphaudit keeps the shortest walks (see reciprocal_approval.ladybug.cypher).
MATCH (b:Person)-[:APPROVED]->()
WITH DISTINCT b
MATCH (b)-[kin:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..2 /*hops*/ (e, n | {e.source}, {n.id, n.name, n.gender, n.birth_date})]-(r:Person),
      (r)-[own:LEGAL_REP_OF|SHAREHOLDER_OF*1..2]->(x:Company),
      (x)<-[:AWARDED_TO]-(k:Contract)<-[:APPROVED]-(a:Person)
WHERE a.id <> b.id
RETURN a.id AS approver_id, b.id AS other_id, r.id AS recipient_id, nodes(kin) AS kin_mid, rels(kin) AS kin_rels,
       nodes(own) AS own_mid, rels(own) AS own_rels, x AS contractor,
       collect({id: k.id, kind: 'Contract', what: k.title, amount: k.amount, date: k.sign_date, org_code: k.org_code}) AS records
