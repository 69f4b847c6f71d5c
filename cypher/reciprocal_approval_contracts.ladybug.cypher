// reciprocal_approval_contracts — 干部之间相互为对方亲属审批（工程合同） (LadybugDB dialect)
// The contracts side of reciprocal_approval (see reciprocal_approval_contracts.cypher).
// Parameters:
//   hops                     default 2 (1–3): the number marked /*hops*/ below (substituted by graphaudit)
//   $approvers, $contractors ids from query `roles`: both walks start from nodes filtered by `IN $list`
MATCH own = (r:Person)-[:LEGAL_REP_OF|SHAREHOLDER_OF*0..2]->(x)
WHERE x.id IN $contractors
MATCH kin = (b:Person)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0]-(r)
WHERE b.id IN $approvers
MATCH (x)<-[:AWARDED_TO]-(k:Contract)<-[:APPROVED]-(a:Person)
WHERE a.id <> b.id
RETURN a.id AS approver_id, b.id AS other_id, r.id AS recipient_id, kin, own,
       collect({id: k.id, kind: 'Contract', what: k.title, amount: k.amount, date: k.sign_date, org_code: k.org_code}) AS records
UNION ALL
MATCH own = (r:Person)-[:LEGAL_REP_OF|SHAREHOLDER_OF*0..2]->(x)
WHERE x.id IN $contractors
MATCH kin = (b:Person)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF* ALL SHORTEST 1..2 /*hops*/]-(r)
WHERE b.id IN $approvers AND r.id <> b.id
MATCH (x)<-[:AWARDED_TO]-(k:Contract)<-[:APPROVED]-(a:Person)
WHERE a.id <> b.id
RETURN a.id AS approver_id, b.id AS other_id, r.id AS recipient_id, kin, own,
       collect({id: k.id, kind: 'Contract', what: k.title, amount: k.amount, date: k.sign_date, org_code: k.org_code}) AS records
