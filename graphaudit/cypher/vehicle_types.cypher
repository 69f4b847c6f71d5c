// vehicle_types — 车辆类型: every vehicle type the register names (a few dozen at most).
// Used by ineligible_recipient to pick the types the policy file counts (vehicles.exempt / vehicles.counted,
// matched as parts of the name) before it asks for the vehicles of recipients' households.
// Parameters: none.
MATCH (a:Vehicle)
RETURN DISTINCT a.vehicle_type AS vehicle_type
