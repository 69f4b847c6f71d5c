// cluster_people — 群体成员: the people of collusive clusters as nodes with all their properties (names for
// explanations and evidence, gender and birth date for kin terms, the registered village).
// Parameters:
//   $ids  person ids (no default)
MATCH (p:Person) WHERE p.id IN $ids
RETURN p AS n
