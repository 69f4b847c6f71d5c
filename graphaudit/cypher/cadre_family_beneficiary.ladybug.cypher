// cadre_family_beneficiary — 村干部本人或近亲属享受补贴（需备案） (LadybugDB dialect; see the .cypher file)
// Flags payments to a cadre, or to a cadre's relative within `hops` kinship edges, in the village the cadre
// serves while the cadre held the post.
// Parameters (substituted by graphaudit where marked):
//   hops      default 2 (1–4): the number marked /*hops*/
//   township  default 0: the number marked /*township*/ — 1 (township_cadres=true) also counts township
//             cadres for the villages of their township
// Shape (LadybugDB): the walks start from cadres bound by a first MATCH … WITH DISTINCT (an `id IN $list`
// filter scans every person once per list element), and walk, payments and post are one comma-joined MATCH.
// The walk is returned as its inner nodes and relationships (kin_mid, kin_rels), never whole: a path's end
// nodes are read with every property by scanning every person (graphaudit reads its ends by id: query
// person_nodes); of its inner people only what names them (id, name, gender, birth_date).
MATCH (c:Person)-[:HOLDS]->(:Org)
WITH DISTINCT c
MATCH (c)-[kin:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0 (e, n | {e.source}, {n.id, n.name, n.gender, n.birth_date})]-(rc:Person),
      (rc)<-[:PAID_TO]-(pay:Payment)-[:IN_ORG]->(v:Org)-[:PART_OF*0..0 /*township*/]->(o:Org)<-[h:HOLDS]-(c)
WHERE h.start_date <= pay.pay_date AND (h.end_date IS NULL OR pay.pay_date <= h.end_date)
RETURN c.id AS cadre_id, rc.id AS recipient_id, nodes(kin) AS kin_mid, rels(kin) AS kin_rels,
       collect({id: pay.id, program: pay.program, amount: pay.amount, pay_date: pay.pay_date, org_code: v.id,
                org_name: v.name, approver_id: pay.approver_id, title: h.title, post_org: o.id}) AS payments
UNION ALL
MATCH (c:Person)-[:HOLDS]->(:Org)
WITH DISTINCT c
MATCH (c)-[kin:SPOUSE_OF|PARENT_OF|SIBLING_OF* ALL SHORTEST 1..2 /*hops*/ (e, n | {e.source}, {n.id, n.name, n.gender, n.birth_date})]-(rc:Person),
      (rc)<-[:PAID_TO]-(pay:Payment)-[:IN_ORG]->(v:Org)-[:PART_OF*0..0 /*township*/]->(o:Org)<-[h:HOLDS]-(c)
WHERE c.id <> rc.id AND h.start_date <= pay.pay_date AND (h.end_date IS NULL OR pay.pay_date <= h.end_date)
RETURN c.id AS cadre_id, rc.id AS recipient_id, nodes(kin) AS kin_mid, rels(kin) AS kin_rels,
       collect({id: pay.id, program: pay.program, amount: pay.amount, pay_date: pay.pay_date, org_code: v.id,
                org_name: v.name, approver_id: pay.approver_id, title: h.title, post_org: o.id}) AS payments
