-- Cities (French communes): the commune of each school, and the commune a city agent serves.
-- A commune is identified by its INSEE code (code officiel géographique, five characters:
-- names repeat across the country); its name is kept for display. NULL when the directory does
-- not say: such a school has no city, such an agent serves none (and sees no school).
ALTER TABLE schools ADD COLUMN city_code TEXT;
ALTER TABLE schools ADD COLUMN city_name TEXT;
-- Only city agents carry one (the sync and the import write it for no other profile).
ALTER TABLE people ADD COLUMN city_code TEXT;

-- The schools of a city, for a city agent's claims.
CREATE INDEX schools_city ON schools(city_code);

-- What a run read: a school's commune (code and name), the commune a city agent serves (code).
ALTER TABLE sync_entries ADD COLUMN city_code TEXT;
ALTER TABLE sync_entries ADD COLUMN city_name TEXT;
