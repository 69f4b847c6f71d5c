// reciprocal_approval — 干部之间相互为对方亲属审批 (LadybugDB dialect; see reciprocal_approval.cypher)
// Lists every payment one approver (a) approved for another approver (b) or b's relative within `hops`
// kinship edges, and every contract a approved that was awarded to such a person in person (the Neo4j text
// leaves those to reciprocal_approval_contracts); graphaudit pairs approvers who did so for each other.
// Parameters:
//   hops  default 2 (1–3): the number marked /*hops*/ below (substituted by graphaudit)
// Shape (LadybugDB): the walks start from approvers bound by a first MATCH … WITH DISTINCT (an `id IN $list`
// filter scans every person once per list element), and walk and money are one comma-joined MATCH; payments
// and contracts are one pattern (a record's kind is its label).  The walk is returned as its inner nodes and
// relationships, never whole with b and r: a path's end nodes are read with every property by a scan of
// every person, the check's main cost at prefecture size (graphaudit reads b and r by id: person_nodes).
// One walk of 0 to `hops` edges covers b in person and b's relatives (one scan of the money, not two); it
// returns every walk, of which graphaudit keeps the shortest per b and r (rows.shortest_walks): those are
// the shortest paths.
MATCH (b:Person)-[:APPROVED]->()
WITH DISTINCT b
MATCH (b)-[k:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..2 /*hops*/ (e, n | {e.source}, {n.id, n.name, n.gender, n.birth_date})]-(r:Person),
      (r)<-[:PAID_TO|AWARDED_TO]-(m)<-[:APPROVED]-(a:Person)
WHERE a.id <> b.id
RETURN a.id AS approver_id, b.id AS other_id, r.id AS recipient_id, nodes(k) AS kin_mid, rels(k) AS kin_rels,
       collect({id: m.id, kind: label(m),
                what: CASE WHEN label(m) = 'Payment' THEN m.program ELSE m.title END, amount: m.amount,
                date: CASE WHEN label(m) = 'Payment' THEN m.pay_date ELSE m.sign_date END,
                org_code: CASE WHEN label(m) = 'Payment' THEN m.village_code ELSE m.org_code END}) AS records
