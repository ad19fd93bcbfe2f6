//! The realistic network: the reference deployment (125 schools, 28,000 people), or any multiple
//! of it, with what real directories have and the uniform network lacks.
//!
//! - Schools of 3 to 8 classes (nursery schools 3 to 5), classes of uneven size; small
//!   elementary schools have classes of two or three levels ("CE1-CE2").
//! - More teachers than classes: a teacher relieving the director, part-time teachers sharing
//!   a class, teachers of several classes, and replacement teachers with no class.
//! - Families of 1 to 4 siblings, sometimes split between two neighbouring schools (a nursery
//!   and an elementary school); a few pupils attached to a second school besides the one of
//!   their class (`person_schools` only).
//! - Separated parents: two legal parents in two households, each sometimes with a new partner
//!   who is a non-legal contact; single parents; other contacts (grandparents…).
//!
//! Every count of [`Targets`] is met to within a few units, however small or large the factor.

use ent_idp::model::{City, Profile};
use ent_idp::store::directory::{Class, ClassRole};

use super::names::{
    ADULT_FIRST_NAMES, CHILD_FIRST_NAMES, DEPARTEMENTS, FAMILY_NAMES, MORE_ADULT_FIRST_NAMES, MORE_CHILD_FIRST_NAMES,
    MORE_FAMILY_NAMES,
};
use super::{Builder, Family, Generated, SchoolRecord, class_letters, school_place};

/// The sizes of a network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Targets {
    pub schools: usize,
    pub classes: usize,
    /// Teachers and directors (one director per school).
    pub teachers: usize,
    pub pupils: usize,
    /// Parents and other contacts of pupils (profile `Parent`).
    pub parents: usize,
}

/// The reference deployment the realistic network is sized on.
pub const REFERENCE: Targets = Targets { schools: 125, classes: 609, teachers: 1_032, pupils: 9_456, parents: 17_782 };

/// Fewest and most classes of a school of the realistic network.
const MIN_CLASSES_PER_SCHOOL: usize = 3;
const MAX_CLASSES_PER_SCHOOL: usize = 8;

/// Options of the realistic network: [`REFERENCE`] times `factor`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReferenceOptions {
    pub seed: u64,
    /// 1.0 is the reference deployment, 35.0 about a million people.
    pub factor: f64,
}

impl Default for ReferenceOptions {
    fn default() -> Self {
        ReferenceOptions { seed: 2026, factor: 1.0 }
    }
}

impl ReferenceOptions {
    /// The counts the generator aims at: [`REFERENCE`] times the factor, rounded, raised to at
    /// least one school and kept consistent (3 to 8 classes per school, a pupil and a teacher
    /// per class).
    pub fn targets(&self) -> Targets {
        let factor = if self.factor.is_finite() && self.factor > 0.0 { self.factor } else { 0.0 };
        let scale = |n: usize| (n as f64 * factor).round() as usize;
        let schools = scale(REFERENCE.schools).max(1);
        let classes =
            scale(REFERENCE.classes).clamp(schools * MIN_CLASSES_PER_SCHOOL, schools * MAX_CLASSES_PER_SCHOOL);
        let teachers = scale(REFERENCE.teachers).max(classes);
        let pupils = scale(REFERENCE.pupils).max(classes);
        // Raised sizes keep the reference's share of parents per pupil.
        let per_pupil = REFERENCE.parents as f64 / REFERENCE.pupils as f64;
        let parents = scale(REFERENCE.parents).max((pupils as f64 * per_pupil).round() as usize);
        Targets { schools, classes, teachers, pupils, parents }
    }
}

/// Out of 100 families: how many children they have in the network's schools (1, 2, 3, 4).
const FAMILY_SIZES: [usize; 4] = [70, 24, 5, 1];
/// Percent of siblings who go to a neighbouring school rather than their elder's.
const SIBLING_ELSEWHERE: usize = 12;
/// Per thousand pupils: attached to a second school besides the one of their class.
const SECOND_SCHOOL_PER_MILLE: usize = 5;
/// Percent of families with a single legal parent, and with separated parents.
const SINGLE_PARENT: usize = 12;
const SEPARATED: usize = 35;
/// Percent of separated parents with a new partner (a non-legal contact of the children).
const NEW_PARTNER: usize = 55;

/// Generates the realistic network of `opts`.
pub(super) fn generate(opts: &ReferenceOptions) -> Generated {
    let targets = opts.targets();
    let mut b = Builder::new(opts.seed);
    let departement = b.rng.below(DEPARTEMENTS.len());
    let mut uai_numbers: Vec<u32> = (0..10_000).collect();
    b.rng.shuffle(&mut uai_numbers);

    // Plan: the kind and number of classes of each school, the size of each class and the
    // number of teachers beyond one per class, each summing exactly to its target.
    let n = targets.schools;
    let nursery: Vec<bool> = (0..n).map(|i| i > 0 && b.rng.below(4) == 0).collect();
    let mut class_counts: Vec<usize> =
        nursery.iter().map(|&nursery| MIN_CLASSES_PER_SCHOOL + b.rng.below(if nursery { 3 } else { 6 })).collect();
    adjust(&mut b, &mut class_counts, targets.classes, MIN_CLASSES_PER_SCHOOL, MAX_CLASSES_PER_SCHOOL);
    let average = targets.pupils as f64 / targets.classes as f64;
    let mut class_sizes: Vec<usize> = (0..targets.classes)
        .map(|_| ((average * (0.7 + 0.6 * b.rng.below(1_000) as f64 / 1_000.0)).round() as usize).max(1))
        .collect();
    adjust(&mut b, &mut class_sizes, targets.pupils, 1, usize::MAX);
    let extra_teachers = proportional(&class_counts, targets.teachers - targets.classes);

    let mut schools = Vec::with_capacity(n);
    let mut first_class = 0;
    for index in 0..n {
        let (dept, city) = school_place(departement, index);
        let number = dept * 10_000 + uai_numbers[index % 10_000];
        let sizes = &class_sizes[first_class..first_class + class_counts[index]];
        first_class += class_counts[index];
        schools.push(b.reference_school(number, city, nursery[index], sizes, extra_teachers[index]));
    }

    // Families, school by school: each takes seats in its school and sometimes one in a
    // neighbouring school, until every seat is taken.
    let ratio = targets.parents as f64 / targets.pupils as f64;
    let mut tally = Tally { pupils: 0, parents: 0, ratio };
    let mut families = Vec::new();
    for s in 0..n {
        while let Some(seat) = schools[s].seats.pop() {
            let size = weighted(&mut b, &FAMILY_SIZES) + 1;
            let mut members = vec![(s, seat)];
            while members.len() < size {
                let t = s + 1 + b.rng.below(3);
                if t < n
                    && b.rng.chance(SIBLING_ELSEWHERE)
                    && let Some(seat) = schools[t].seats.pop()
                {
                    members.push((t, seat));
                    continue;
                }
                match schools[s].seats.pop() {
                    Some(seat) => members.push((s, seat)),
                    None => break,
                }
            }
            let family = b.reference_family(&schools, &members, &mut tally);
            if s == 0 {
                families.push(family);
            }
        }
    }

    let city_agents: Vec<usize> = (0..n.div_ceil(25)).map(|_| b.adult(Profile::CityAgent)).collect();
    let admins: Vec<usize> = (0..n.div_ceil(100)).map(|_| b.adult(Profile::Admin)).collect();
    // The agents serve the communes of the first département in turn, the first (the demo's)
    // its main city, where the first school is.
    let communes = DEPARTEMENTS[departement].1;
    let served: Vec<String> = city_agents
        .iter()
        .enumerate()
        .map(|(k, &agent)| {
            let (code, name) = communes[k % communes.len()];
            b.serve(agent, &City { code: code.to_string(), name: name.to_string() })
        })
        .collect();
    let first = &schools[0];
    let record = SchoolRecord {
        school: first.index,
        staff_role: first.staff_role,
        staff: first.staff,
        director: first.director,
        classes: first.classes.iter().map(|c| (c.index, c.teacher)).collect(),
        families,
    };
    let mut chosen = b.demo_school_accounts(&record);
    chosen.extend(city_agents.first().zip(served.first()).map(|(&p, description)| (p, description.clone())));
    chosen.extend(admins.first().map(|&p| (p, "administrator of the whole network, linked to no school".to_string())));
    b.finish(&chosen)
}

/// A school of the realistic network while families are placed.
struct RefSchool {
    index: usize,
    id: String,
    staff_role: &'static str,
    staff: usize,
    director: usize,
    classes: Vec<RefClass>,
    /// Free seats: positions in `classes`, shuffled; families pop them.
    seats: Vec<usize>,
}

struct RefClass {
    /// Index into the snapshot's classes.
    index: usize,
    id: String,
    /// The class's main teacher (or the director).
    teacher: usize,
}

/// Pupils and parents made so far, to keep parents at their share of pupils.
struct Tally {
    pupils: usize,
    parents: usize,
    ratio: f64,
}

impl Tally {
    fn parents_short(&self) -> bool {
        (self.parents as f64) < self.pupils as f64 * self.ratio - 0.5
    }
}

impl Builder {
    fn reference_school(
        &mut self,
        uai_number: u32,
        city: City,
        nursery: bool,
        class_sizes: &[usize],
        extra_teachers: usize,
    ) -> RefSchool {
        let (school_id, school_index, levels, staff_role) = self.add_school(nursery, uai_number, city);

        let mut classes = Vec::with_capacity(class_sizes.len());
        for (name, level) in class_names(levels, class_sizes.len()) {
            let id = self.rng.uuid();
            let external_id = Some(self.rng.uuid());
            classes.push(RefClass { index: self.snap.classes.len(), id: id.clone(), teacher: 0 });
            self.snap.classes.push(Class { id, school_id: school_id.clone(), name, level: Some(level), external_id });
        }

        // The director teaches the last class, a teacher each other one.
        let director = self.adult(Profile::Director);
        self.link_school(director, &school_id);
        self.role(director, &school_id, "director");
        let last = classes.len() - 1;
        for (c, class) in classes.iter_mut().enumerate() {
            class.teacher = if c == last { director } else { self.school_teacher(&school_id) };
            self.teach(class.teacher, &class.id);
        }
        // More teachers: the first relieves the director in the director's class; the others
        // share a class (part time), teach two or three classes, or replace absent teachers.
        for extra in 0..extra_teachers {
            let teacher = self.school_teacher(&school_id);
            let taught = match (extra, self.rng.below(100)) {
                (0, _) => vec![last],
                (_, 0..45) => vec![self.rng.below(classes.len())],
                (_, 45..75) => {
                    let start = self.rng.below(classes.len());
                    let count = (2 + self.rng.below(2)).min(classes.len());
                    (0..count).map(|k| (start + k) % classes.len()).collect()
                }
                _ => Vec::new(),
            };
            for c in taught {
                self.teach(teacher, &classes[c].id);
            }
        }
        let staff = self.adult(Profile::Staff);
        self.link_school(staff, &school_id);
        self.role(staff, &school_id, staff_role);

        let mut seats: Vec<usize> =
            class_sizes.iter().enumerate().flat_map(|(c, &size)| std::iter::repeat_n(c, size)).collect();
        self.rng.shuffle(&mut seats);
        RefSchool { index: school_index, id: school_id, staff_role, staff, director, classes, seats }
    }

    fn school_teacher(&mut self, school_id: &str) -> usize {
        let given = self.rng.pick2(ADULT_FIRST_NAMES, MORE_ADULT_FIRST_NAMES);
        let family = self.rng.pick2(FAMILY_NAMES, MORE_FAMILY_NAMES);
        let teacher = self.person(Profile::Teacher, given, family);
        self.link_school(teacher, school_id);
        teacher
    }

    fn teach(&mut self, teacher: usize, class_id: &str) {
        let id = self.snap.people[teacher].id.clone();
        self.snap.class_members.push((class_id.to_string(), id, ClassRole::Teacher));
    }

    /// Siblings seated in `members` ((school, seat) pairs, the first in the family's own
    /// school) and their parents. Returns the family as seen from its own school.
    fn reference_family(&mut self, schools: &[RefSchool], members: &[(usize, usize)], tally: &mut Tally) -> Family {
        let name = self.rng.pick2(FAMILY_NAMES, MORE_FAMILY_NAMES);
        let kind = self.rng.below(100);
        let (single, separated) = (kind < SINGLE_PARENT, (SINGLE_PARENT..SINGLE_PARENT + SEPARATED).contains(&kind));
        let other_name = (!single && self.rng.chance(if separated { 50 } else { 35 }))
            .then(|| self.rng.pick2(FAMILY_NAMES, MORE_FAMILY_NAMES));
        let children_name = match other_name {
            Some(other) if !format!("{name}{other}").contains('-') && self.rng.chance(25) => format!("{name}-{other}"),
            _ => name.to_string(),
        };

        // Children, and every school they are linked to.
        let home = members[0].0;
        let mut children = Vec::with_capacity(members.len());
        let mut linked: Vec<(usize, usize)> = Vec::with_capacity(members.len());
        let mut school_set: Vec<usize> = Vec::with_capacity(2);
        for &(s, seat) in members {
            let given = self.rng.pick2(CHILD_FIRST_NAMES, MORE_CHILD_FIRST_NAMES);
            let pupil = self.person(Profile::Pupil, given, &children_name);
            let school = &schools[s];
            self.link_school(pupil, &school.id);
            let id = self.snap.people[pupil].id.clone();
            self.snap.class_members.push((school.classes[seat].id.clone(), id, ClassRole::Pupil));
            let mut schools_of_pupil = vec![s];
            if schools.len() > 1 && self.rng.below(1_000) < SECOND_SCHOOL_PER_MILLE {
                let other = (s + 1 + self.rng.below(3.min(schools.len() - 1))) % schools.len();
                self.link_school(pupil, &schools[other].id);
                schools_of_pupil.push(other);
            }
            for t in schools_of_pupil {
                if !school_set.contains(&t) {
                    school_set.push(t);
                }
            }
            linked.push((pupil, s));
            if s == home {
                children.push((pupil, seat));
            }
        }
        tally.pupils += members.len();

        // Parents: (person, legal).
        let mut parents = vec![(self.reference_parent(name), true)];
        if !single {
            parents.push((self.reference_parent(other_name.unwrap_or(name)), true));
        }
        if separated {
            for _ in 0..2 {
                if self.rng.chance(NEW_PARTNER) {
                    let partner_name = self.rng.pick2(FAMILY_NAMES, MORE_FAMILY_NAMES);
                    parents.push((self.reference_parent(partner_name), false));
                }
            }
        }
        tally.parents += parents.len();
        // Other contacts (grandparents, an aunt…) while parents are short of their share.
        for _ in 0..2 {
            if !tally.parents_short() {
                break;
            }
            let contact_name = if self.rng.chance(50) { name } else { self.rng.pick2(FAMILY_NAMES, MORE_FAMILY_NAMES) };
            parents.push((self.reference_parent(contact_name), false));
            tally.parents += 1;
        }
        for &(parent, legal) in &parents {
            for &s in &school_set {
                self.link_school(parent, &schools[s].id);
            }
            let parent_id = self.snap.people[parent].id.clone();
            for &(child, _) in &linked {
                let child_id = self.snap.people[child].id.clone();
                self.snap.guardianships.push((parent_id.clone(), child_id, legal));
            }
        }
        let legal_parents = parents.iter().filter(|(_, legal)| *legal).map(|(p, _)| *p).collect();
        Family { children, legal_parents }
    }

    fn reference_parent(&mut self, family_name: &str) -> usize {
        let given = self.rng.pick2(ADULT_FIRST_NAMES, MORE_ADULT_FIRST_NAMES);
        self.person(Profile::Parent, given, family_name)
    }
}

/// Names and levels of the `count` classes of a school teaching `levels`: one class per level
/// or more ("CP-A", "CP-B"), the lower levels getting the extra classes; or, with fewer
/// classes than levels, classes of consecutive levels ("CE1-CE2").
fn class_names(levels: &[&str], count: usize) -> Vec<(String, String)> {
    let l = levels.len();
    if count >= l {
        let mut out = Vec::with_capacity(count);
        for (i, level) in levels.iter().enumerate() {
            let of_level = count / l + usize::from(i < count % l);
            out.extend((0..of_level).map(|k| (format!("{level}-{}", class_letters(k)), level.to_string())));
        }
        out
    } else {
        (0..count)
            .map(|c| {
                let covered = &levels[c * l / count..(c + 1) * l / count];
                let level = covered.join("-");
                let name = if covered.len() == 1 { format!("{level}-A") } else { level.clone() };
                (name, level)
            })
            .collect()
    }
}

/// Moves `values` one unit at a time, at random places, until they sum to `total`, keeping
/// each within `min..=max`. The caller makes `total` reachable.
fn adjust(b: &mut Builder, values: &mut [usize], total: usize, min: usize, max: usize) {
    let mut sum: usize = values.iter().sum();
    while sum != total {
        let i = b.rng.below(values.len());
        if sum < total && values[i] < max {
            values[i] += 1;
            sum += 1;
        } else if sum > total && values[i] > min {
            values[i] -= 1;
            sum -= 1;
        }
    }
}

/// `total` split in proportion to `weights`, exactly (cumulative rounding).
fn proportional(weights: &[usize], total: usize) -> Vec<usize> {
    let sum: usize = weights.iter().sum();
    let mut out = Vec::with_capacity(weights.len());
    let (mut acc, mut given) = (0, 0);
    for &w in weights {
        acc += w;
        let upto = (total * acc).checked_div(sum).unwrap_or(0);
        out.push(upto - given);
        given = upto;
    }
    out
}

/// An index drawn with the given weights.
fn weighted(b: &mut Builder, weights: &[usize]) -> usize {
    let mut roll = b.rng.below(weights.iter().sum());
    for (i, &w) in weights.iter().enumerate() {
        if roll < w {
            return i;
        }
        roll -= w;
    }
    weights.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_by_size() {
        let elementary = ["CP", "CE1", "CE2", "CM1", "CM2"];
        let names = |n| class_names(&elementary, n).into_iter().map(|(name, _)| name).collect::<Vec<_>>();
        assert_eq!(names(3), ["CP-A", "CE1-CE2", "CM1-CM2"]);
        assert_eq!(names(4), ["CP-A", "CE1-A", "CE2-A", "CM1-CM2"]);
        assert_eq!(names(5), ["CP-A", "CE1-A", "CE2-A", "CM1-A", "CM2-A"]);
        assert_eq!(names(7), ["CP-A", "CP-B", "CE1-A", "CE1-B", "CE2-A", "CM1-A", "CM2-A"]);
        assert_eq!(class_names(&elementary, 3)[1].1, "CE1-CE2");
    }

    #[test]
    fn proportional_is_exact() {
        assert_eq!(proportional(&[3, 5, 8], 10).iter().sum::<usize>(), 10);
        assert_eq!(proportional(&[1, 1], 0), [0, 0]);
        assert_eq!(proportional(&[4, 4], 3), [1, 2]);
    }
}
