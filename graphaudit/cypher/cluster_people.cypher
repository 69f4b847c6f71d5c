// cluster_people — 群体成员: the people of collusive clusters as nodes with all their properties (names for
// explanations and evidence, gender and birth date for kin terms, the registered village).  One key look-up
// per id (UNWIND … MATCH {id}): LadybugDB scans every person for `WHERE p.id IN $ids`.
// Parameters:
//   $ids  person ids, distinct (no default)
UNWIND $ids AS pid
MATCH (p:Person {id: pid})
RETURN p AS n
