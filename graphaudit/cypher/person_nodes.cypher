// person_nodes — 人员节点: people by id, as whole nodes.
// Used where a check's query returns only the inner nodes and relationships of a kinship walk (kin_mid,
// kin_rels): graphaudit rebuilds the walk from them and these end nodes.  A primary-key lookup per id.
// Parameters:
//   ids  the resident ids (or register keys)
UNWIND $ids AS i
MATCH (p:Person {id: i})
RETURN p.id AS id, p AS person
