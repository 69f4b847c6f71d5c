// property_kinds — 房产用途: every use of real estate the register names (a few dozen at most).
// Used by ineligible_recipient to pick the uses the policy file counts as housing (housing.kinds, matched as
// parts of the name; an empty use counts) before it asks for the housing of recipients' households.
// Parameters: none.
MATCH (a:RealEstate)
RETURN DISTINCT a.kind AS kind
