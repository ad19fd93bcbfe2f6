//! The generated directory as LDIF (RFC 2849), in the layout and schema of
//! `directory-sync/schema/ent-sdet.ldif`, ready for `slapadd` or `ldapadd`.
//!
//! Layout under the base DN:
//!
//! - `ou=structures`: schools, `ENTStructureUAI=<uai>` (`ENTStructure`);
//! - `ou=groups`: classes, `cn=<uai>-<class name>` (`groupOfNames` + `ENTGroupe`, `member` =
//!   the class's pupils and teachers);
//! - `ou=people`: people, `uid=<login>` (`inetOrgPerson` + `ENTPerson`, and `ENTEleve` for
//!   pupils, `ENTAuxPersRelEleve` for parents, `ENTAuxEnseignant` for teachers and directors,
//!   `ENTAuxPersColl` for the city agents who serve a city).
//!
//! A school's commune is its `ENTStructureCodeCommune` (INSEE code) and `l` (name), the city a
//! city agent serves their `ENTAuxPersCollCodeCommune`: what the `sdet` preset reads back.
//!
//! Every school, class and person entry carries `entryUUID: <external id>`: `slapadd` keeps it,
//! so the directory's UUIDs are the generator's external ids. Entries come parents first (base,
//! containers, schools, classes, people), the order `slapadd` needs. Values that are not LDIF
//! safe strings (accents, a leading space, colon or `<`, a trailing space) are base64-encoded and
//! lines are folded at 76 columns.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ent_idp::model::Profile;
use ent_idp::store::directory::ClassRole;

use crate::generate::Generated;

/// Folded LDIF lines are at most this long (RFC 2849 recommends 76 columns).
pub const LINE_WIDTH: usize = 76;

/// What to write besides the directory itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct LdifOptions<'a> {
    /// The password of the demo accounts ([`Generated::demo_accounts`]), written as a salted
    /// SHA-1 `{SSHA}` `userPassword`; none by default (nobody can bind).
    pub demo_password: Option<&'a str>,
}

/// How many entries of each kind were written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LdifCounts {
    /// The base entry and the `ou=structures`, `ou=groups` and `ou=people` containers.
    pub containers: usize,
    pub schools: usize,
    pub classes: usize,
    pub people: usize,
    /// People entries with a `userPassword` (the demo accounts, given a password).
    pub passwords: usize,
}

impl LdifCounts {
    /// Every entry written.
    pub fn entries(&self) -> usize {
        self.containers + self.schools + self.classes + self.people
    }
}

/// The SDET profile value (`ENTPersonProfils`) of a profile.
pub fn profile_value(profile: Profile) -> &'static str {
    match profile {
        Profile::Pupil => "National_ELV",
        Profile::Parent => "National_TUT",
        Profile::Teacher => "National_ENS",
        Profile::Director => "National_DIR",
        Profile::Staff => "National_EVS",
        Profile::CityAgent => "National_COL",
        Profile::Admin => "National_ADM",
    }
}

/// DN of a school entry.
pub fn school_dn(uai: &str, base_dn: &str) -> String {
    format!("ENTStructureUAI={},ou=structures,{base_dn}", escape_rdn_value(uai))
}

/// DN of a class entry.
pub fn class_dn(uai: &str, class_name: &str, base_dn: &str) -> String {
    format!("cn={},ou=groups,{base_dn}", escape_rdn_value(&format!("{uai}-{class_name}")))
}

/// DN of a person entry.
pub fn person_dn(login: &str, base_dn: &str) -> String {
    format!("uid={},ou=people,{base_dn}", escape_rdn_value(login))
}

/// An RDN value escaped as RFC 4514 asks: `,+"\<>;=` and NUL always, a leading space or `#`
/// and a trailing space.
pub fn escape_rdn_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=' => {
                out.push('\\');
                out.push(c);
            }
            '\0' => out.push_str("\\00"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '#' if i == 0 => out.push_str("\\#"),
            _ => out.push(c),
        }
    }
    out
}

/// A `{SSHA}` password hash as OpenLDAP stores it: base64 of SHA-1(password ‖ salt) ‖ salt.
pub fn ssha(password: &str, salt: &[u8]) -> String {
    let mut ctx = digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY);
    ctx.update(password.as_bytes());
    ctx.update(salt);
    let mut raw = ctx.finish().as_ref().to_vec();
    raw.extend_from_slice(salt);
    format!("{{SSHA}}{}", BASE64.encode(raw))
}

/// Writes the directory as LDIF under `base_dn`, without passwords. See [`write_ldif_with`].
pub fn write_ldif(g: &Generated, base_dn: &str, out: &mut impl Write) -> io::Result<LdifCounts> {
    write_ldif_with(g, base_dn, &LdifOptions::default(), out)
}

/// Writes the directory as LDIF under `base_dn` (whose first RDN is `dc=`, `o=` or `ou=`):
/// the base entry, the three containers, then schools, classes and people. Fails with
/// `InvalidInput` on another base DN and `InvalidData` when the snapshot refers to a missing
/// school, class or person.
pub fn write_ldif_with(
    g: &Generated,
    base_dn: &str,
    options: &LdifOptions<'_>,
    out: &mut impl Write,
) -> io::Result<LdifCounts> {
    let snap = &g.snapshot;
    let mut w = LdifWriter::new(io::BufWriter::with_capacity(1 << 16, out));
    let mut counts = LdifCounts::default();

    let (rdn_attr, rdn_value) = first_rdn(base_dn)?;
    let base_classes: &[&str] = match rdn_attr.to_ascii_lowercase().as_str() {
        "dc" => &["top", "dcObject", "organization"],
        "o" => &["top", "organization"],
        "ou" => &["top", "organizationalUnit"],
        _ => return Err(invalid_input(format!("base DN {base_dn:?}: the first RDN must be dc=, o= or ou="))),
    };
    w.start(base_dn)?;
    for class in base_classes {
        w.attr("objectClass", class)?;
    }
    w.attr(rdn_attr, rdn_value)?;
    if rdn_attr.eq_ignore_ascii_case("dc") {
        w.attr("o", rdn_value)?;
    }
    w.end()?;
    for ou in ["structures", "groups", "people"] {
        w.start(&format!("ou={ou},{base_dn}"))?;
        w.attr("objectClass", "top")?;
        w.attr("objectClass", "organizationalUnit")?;
        w.attr("ou", ou)?;
        w.end()?;
    }
    counts.containers = 4;

    // Indices: schools, classes and people by id.
    let school_index: HashMap<&str, usize> = snap.schools.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
    let class_index: HashMap<&str, usize> = snap.classes.iter().enumerate().map(|(i, c)| (c.id.as_str(), i)).collect();
    let person_index: HashMap<&str, usize> = snap.people.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
    let school_of = |id: &str| school_index.get(id).copied().ok_or_else(|| missing("school", id));
    let class_of = |id: &str| class_index.get(id).copied().ok_or_else(|| missing("class", id));
    let person_of = |id: &str| person_index.get(id).copied().ok_or_else(|| missing("person", id));
    let school_dns: Vec<String> = snap.schools.iter().map(|s| school_dn(&s.uai, base_dn)).collect();
    let mut class_dns = Vec::with_capacity(snap.classes.len());
    let mut class_school = Vec::with_capacity(snap.classes.len());
    for c in &snap.classes {
        let school = school_of(&c.school_id)?;
        class_dns.push(class_dn(&snap.schools[school].uai, &c.name, base_dn));
        class_school.push(school);
    }
    let dn_of_person = |i: usize| person_dn(&snap.people[i].login, base_dn);

    // Relations, as compact adjacency lists.
    let n_people = snap.people.len();
    let mut person_schools = Vec::with_capacity(snap.person_schools.len());
    for (person, school) in &snap.person_schools {
        person_schools.push((person_of(person)?, school_of(school)?));
    }
    let (mut pupil_classes, mut teacher_classes, mut class_members) = (Vec::new(), Vec::new(), Vec::new());
    for (class, person, role) in &snap.class_members {
        let (class, person) = (class_of(class)?, person_of(person)?);
        match role {
            ClassRole::Pupil => pupil_classes.push((person, class)),
            ClassRole::Teacher => teacher_classes.push((person, class)),
        }
        class_members.push((class, person, *role == ClassRole::Teacher));
    }
    // Pupils before teachers in each class's member list.
    class_members.sort_by_key(|&(_, _, teacher)| teacher);
    let class_members = Adjacency::new(snap.classes.len(), class_members.into_iter().map(|(c, p, _)| (c, p)));
    let (mut parents, mut legal_parents, mut children) = (Vec::new(), Vec::new(), Vec::new());
    for (parent, child, legal) in &snap.guardianships {
        let (parent, child) = (person_of(parent)?, person_of(child)?);
        parents.push((child, parent));
        if *legal {
            legal_parents.push((child, parent));
        }
        children.push((parent, child));
    }
    let person_schools = Adjacency::new(n_people, person_schools);
    let pupil_classes = Adjacency::new(n_people, pupil_classes);
    let teacher_classes = Adjacency::new(n_people, teacher_classes);
    let parents = Adjacency::new(n_people, parents);
    let legal_parents = Adjacency::new(n_people, legal_parents);
    let children = Adjacency::new(n_people, children);
    let mut roles: HashMap<usize, Vec<&str>> = HashMap::new();
    for (person, school, role) in &snap.staff_roles {
        school_of(school)?;
        let person = person_of(person)?;
        // A director's role is told by the profile (National_DIR).
        if snap.people[person].profile == Profile::Director && role == "director" {
            continue;
        }
        let list = roles.entry(person).or_default();
        if !list.contains(&role.as_str()) {
            list.push(role);
        }
    }
    let mut agent_cities: HashMap<usize, &str> = HashMap::new();
    for (person, code) in &snap.agent_cities {
        let person = person_of(person)?;
        // As the provider keeps it: a city is served by city agents only.
        if snap.people[person].profile == Profile::CityAgent {
            agent_cities.insert(person, code);
        }
    }
    let demo: HashSet<usize> = match options.demo_password {
        Some(_) => g.demo_accounts.iter().filter_map(|a| person_index.get(a.person_id.as_str()).copied()).collect(),
        None => HashSet::new(),
    };

    for (i, s) in snap.schools.iter().enumerate() {
        w.start(&school_dns[i])?;
        w.attr("objectClass", "top")?;
        w.attr("objectClass", "ENTStructure")?;
        w.attr("ENTStructureUAI", &s.uai)?;
        w.attr("ENTStructureNomCourant", &s.name)?;
        if let Some(external_id) = &s.external_id {
            w.attr("ENTStructureJointure", external_id)?;
        }
        if let Some(city) = &s.city {
            w.attr("l", &city.name)?;
            w.attr("ENTStructureCodeCommune", &city.code)?;
        }
        w.uuid(s.external_id.as_deref())?;
        w.end()?;
        counts.schools += 1;
    }

    for (i, c) in snap.classes.iter().enumerate() {
        let uai = &snap.schools[class_school[i]].uai;
        w.start(&class_dns[i])?;
        w.attr("objectClass", "top")?;
        w.attr("objectClass", "groupOfNames")?;
        w.attr("objectClass", "ENTGroupe")?;
        // The class's own name first, then the RDN value (which is unique in the directory).
        w.attr("cn", &c.name)?;
        w.attr("cn", &format!("{uai}-{}", c.name))?;
        w.attr("description", &c.name)?;
        w.attr("ENTGroupeStructRattach", &school_dns[class_school[i]])?;
        if let Some(level) = &c.level {
            w.attr("ENTGroupeNiveau", level)?;
        }
        if let Some(external_id) = &c.external_id {
            w.attr("ENTGroupeJointure", external_id)?;
        }
        w.uuid(c.external_id.as_deref())?;
        let members = class_members.of(i);
        if members.is_empty() {
            // groupOfNames needs a member: the empty DN stands for nobody.
            w.attr("member", "")?;
        }
        for &p in members {
            w.attr("member", &dn_of_person(p as usize))?;
        }
        w.end()?;
        counts.classes += 1;
    }

    for (i, p) in snap.people.iter().enumerate() {
        let is_parent = p.profile == Profile::Parent || !children.of(i).is_empty();
        let teaches = matches!(p.profile, Profile::Teacher | Profile::Director) || !teacher_classes.of(i).is_empty();
        w.start(&dn_of_person(i))?;
        w.attr("objectClass", "top")?;
        w.attr("objectClass", "inetOrgPerson")?;
        w.attr("objectClass", "ENTPerson")?;
        if p.profile == Profile::Pupil {
            w.attr("objectClass", "ENTEleve")?;
        }
        if is_parent {
            w.attr("objectClass", "ENTAuxPersRelEleve")?;
        }
        if teaches {
            w.attr("objectClass", "ENTAuxEnseignant")?;
        }
        let city = agent_cities.get(&i);
        if city.is_some() {
            w.attr("objectClass", "ENTAuxPersColl")?;
        }
        w.attr("uid", &p.login)?;
        let full_name = [p.given_name.as_str(), p.family_name.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let full_name = if full_name.is_empty() { p.login.clone() } else { full_name };
        w.attr("cn", &full_name)?;
        w.attr("sn", if p.family_name.is_empty() { &full_name } else { &p.family_name })?;
        if !p.given_name.is_empty() {
            w.attr("givenName", &p.given_name)?;
        }
        w.attr("displayName", &full_name)?;
        if let Some(email) = &p.email {
            w.attr("mail", email)?;
        }
        w.attr("ENTPersonJointure", p.external_id.as_deref().unwrap_or(&p.id))?;
        w.uuid(p.external_id.as_deref())?;
        w.attr("ENTPersonLogin", &p.login)?;
        w.attr("ENTPersonProfils", profile_value(p.profile))?;
        for &s in person_schools.of(i) {
            w.attr("ENTPersonStructRattach", &school_dns[s as usize])?;
        }
        for role in roles.get(&i).into_iter().flatten() {
            w.attr("ENTPersonFonctions", role)?;
        }
        for &c in pupil_classes.of(i) {
            w.attr("ENTEleveClasses", &class_dns[c as usize])?;
        }
        for &parent in parents.of(i) {
            w.attr("ENTEleveParents", &dn_of_person(parent as usize))?;
        }
        for &parent in legal_parents.of(i) {
            w.attr("ENTEleveAutoriteParentale", &dn_of_person(parent as usize))?;
        }
        for &child in children.of(i) {
            w.attr("ENTAuxPersRelEleveEleve", &dn_of_person(child as usize))?;
        }
        for &c in teacher_classes.of(i) {
            w.attr("ENTAuxEnsClasses", &class_dns[c as usize])?;
        }
        if let Some(code) = city {
            w.attr("ENTAuxPersCollCodeCommune", code)?;
        }
        if let (Some(password), true) = (options.demo_password, demo.contains(&i)) {
            // A salt of the person's own (deterministic, so the LDIF is too).
            let salt = digest::digest(&digest::SHA256, format!("ent-ldif-salt:{}", p.id).as_bytes());
            w.attr("userPassword", &ssha(password, &salt.as_ref()[..8]))?;
            counts.passwords += 1;
        }
        w.end()?;
        counts.people += 1;
    }
    w.out.flush()?;
    Ok(counts)
}

/// Writes one LDIF entry (used for small fixed entries, such as a service account).
pub fn write_entry(out: &mut impl Write, dn: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
    let mut w = LdifWriter::new(out);
    w.start(dn)?;
    for (name, value) in attrs {
        w.attr(name, value)?;
    }
    w.end()
}

/// Whether `value` may be written as is after `attr: ` (RFC 2849 SAFE-STRING), rather than in
/// base64; a trailing space is encoded too, as some readers strip it.
pub fn is_safe_string(value: &str) -> bool {
    let bytes = value.as_bytes();
    let Some((&first, _)) = bytes.split_first() else {
        return true;
    };
    !matches!(first, b' ' | b':' | b'<')
        && bytes.last() != Some(&b' ')
        && bytes.iter().all(|&b| b.is_ascii() && !matches!(b, 0 | b'\n' | b'\r'))
}

/// Streams entries, encoding and folding their lines.
struct LdifWriter<W: Write> {
    out: W,
    line: String,
}

impl<W: Write> LdifWriter<W> {
    fn new(out: W) -> Self {
        LdifWriter { out, line: String::with_capacity(256) }
    }

    fn start(&mut self, dn: &str) -> io::Result<()> {
        self.attr("dn", dn)
    }

    fn end(&mut self) -> io::Result<()> {
        self.out.write_all(b"\n")
    }

    /// `entryUUID`, when `id` is a UUID (slapd would refuse anything else).
    fn uuid(&mut self, id: Option<&str>) -> io::Result<()> {
        match id {
            Some(id) if is_uuid(id) => self.attr("entryUUID", &id.to_ascii_lowercase()),
            _ => Ok(()),
        }
    }

    fn attr(&mut self, name: &str, value: &str) -> io::Result<()> {
        self.line.clear();
        self.line.push_str(name);
        if value.is_empty() {
            self.line.push(':');
        } else if is_safe_string(value) {
            self.line.push_str(": ");
            self.line.push_str(value);
        } else {
            self.line.push_str(":: ");
            BASE64.encode_string(value.as_bytes(), &mut self.line);
        }
        // The line is ASCII: folding at byte offsets splits no character.
        let bytes = self.line.as_bytes();
        let (first, mut rest) = bytes.split_at(bytes.len().min(LINE_WIDTH));
        self.out.write_all(first)?;
        while !rest.is_empty() {
            let (chunk, tail) = rest.split_at(rest.len().min(LINE_WIDTH - 1));
            self.out.write_all(b"\n ")?;
            self.out.write_all(chunk)?;
            rest = tail;
        }
        self.out.write_all(b"\n")
    }
}

/// 8-4-4-4-12 hex digits.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The attribute and value of the first RDN of `dn` (no escapes, no multi-valued RDN).
fn first_rdn(dn: &str) -> io::Result<(&str, &str)> {
    let rdn = dn.split(',').next().unwrap_or_default();
    match rdn.split_once('=') {
        Some((attr, value)) if !attr.trim().is_empty() && !value.trim().is_empty() && !rdn.contains('+') => {
            Ok((attr.trim(), value.trim()))
        }
        _ => Err(invalid_input(format!("base DN {dn:?} has no attr=value first RDN"))),
    }
}

fn invalid_input(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

fn missing(what: &str, id: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("the snapshot refers to a missing {what} {id}"))
}

/// Lists of `u32` indices per source index (compressed sparse rows): two vectors however
/// many sources, where a `Vec` per person would cost 24 bytes each even when empty.
struct Adjacency {
    offsets: Vec<u32>,
    targets: Vec<u32>,
}

impl Adjacency {
    /// Targets keep the order of `pairs` within each source.
    fn new(sources: usize, pairs: impl IntoIterator<Item = (usize, usize)>) -> Self {
        let pairs: Vec<(usize, usize)> = pairs.into_iter().collect();
        let mut offsets = vec![0u32; sources + 1];
        for &(from, _) in &pairs {
            offsets[from + 1] += 1;
        }
        for i in 0..sources {
            offsets[i + 1] += offsets[i];
        }
        let mut next = offsets.clone();
        let mut targets = vec![0u32; pairs.len()];
        for (from, to) in pairs {
            targets[next[from] as usize] = to as u32;
            next[from] += 1;
        }
        Adjacency { offsets, targets }
    }

    fn of(&self, source: usize) -> &[u32] {
        &self.targets[self.offsets[source] as usize..self.offsets[source + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GenerateOptions, generate};

    fn ldif_of(g: &Generated, options: &LdifOptions<'_>) -> (String, LdifCounts) {
        let mut out = Vec::new();
        let counts = write_ldif_with(g, "dc=ent,dc=test", options, &mut out).expect("ldif");
        (String::from_utf8(out).expect("ASCII"), counts)
    }

    /// Unfolds an LDIF text into (attribute, decoded value) lines, entries split by "".
    fn unfold(text: &str) -> Vec<(String, String)> {
        let mut lines: Vec<String> = Vec::new();
        for line in text.split('\n') {
            match line.strip_prefix(' ') {
                Some(rest) => lines.last_mut().expect("a line to continue").push_str(rest),
                None => lines.push(line.to_string()),
            }
        }
        lines
            .into_iter()
            .map(|line| {
                if let Some((attr, b64)) = line.split_once(":: ") {
                    let value = String::from_utf8(BASE64.decode(b64).expect("base64")).expect("utf-8");
                    (attr.to_string(), value)
                } else if let Some((attr, value)) = line.split_once(": ") {
                    (attr.to_string(), value.to_string())
                } else {
                    (line.trim_end_matches(':').to_string(), String::new())
                }
            })
            .collect()
    }

    #[test]
    fn accents_are_base64_and_long_lines_folded() {
        let mut out = Vec::new();
        let long = "x".repeat(200);
        write_entry(
            &mut out,
            "uid=lea,ou=people,dc=ent,dc=test",
            &[("cn", "Léa Lefèvre"), ("description", &long), ("sn", " leading"), ("o", ":colon"), ("ou", "<lt")],
        )
        .expect("write");
        let text = String::from_utf8(out).expect("ASCII");
        assert!(text.is_ascii());
        assert!(text.contains(&format!("cn:: {}\n", BASE64.encode("Léa Lefèvre"))), "{text}");
        assert!(
            text.contains("sn:: IGxlYWRpbmc=\n") && text.contains("o:: OmNvbG9u\n") && text.contains("ou:: PGx0\n")
        );
        assert!(text.lines().all(|l| l.len() <= LINE_WIDTH), "{text}");
        let description = text.lines().skip_while(|l| !l.starts_with("description: ")).take(4).collect::<Vec<_>>();
        assert_eq!(description[0].len(), LINE_WIDTH);
        assert!(description[1].starts_with(' ') && description[1].len() == LINE_WIDTH);
        let entries = unfold(&text);
        assert!(entries.contains(&("description".into(), long)));
        assert!(entries.contains(&("cn".into(), "Léa Lefèvre".into())));
        assert!(entries.contains(&("sn".into(), " leading".into())));
        // A long base64 value is folded too.
        let mut out = Vec::new();
        write_entry(&mut out, "cn=x", &[("cn", &"é".repeat(80))]).expect("write");
        let text = String::from_utf8(out).expect("ASCII");
        assert!(text.lines().count() > 3 && text.lines().all(|l| l.len() <= LINE_WIDTH));
        assert!(unfold(&text).contains(&("cn".into(), "é".repeat(80))));
    }

    #[test]
    fn safe_strings() {
        assert!(is_safe_string("CP-A") && is_safe_string("") && is_safe_string("a:b <c"));
        assert!(!is_safe_string("é") && !is_safe_string(" a") && !is_safe_string("a ") && !is_safe_string("a\nb"));
        assert_eq!(escape_rdn_value("a,b+c"), "a\\,b\\+c");
        assert_eq!(escape_rdn_value(" #x "), "\\ #x\\ ");
        assert_eq!(escape_rdn_value("#x"), "\\#x");
    }

    #[test]
    fn ssha_matches_openldap() {
        // slappasswd -h {SSHA} -s secret, salt 0x01020304 (checked with Python's hashlib).
        let hash = ssha("secret", &[1, 2, 3, 4]);
        let raw = BASE64.decode(hash.trim_start_matches("{SSHA}")).expect("base64");
        assert_eq!(raw.len(), 24);
        assert_eq!(&raw[20..], &[1, 2, 3, 4]);
        let expected = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, b"secret\x01\x02\x03\x04");
        assert_eq!(&raw[..20], expected.as_ref());
    }

    #[test]
    fn demo_directory_layout() {
        let g = generate(&GenerateOptions::default());
        let (text, counts) = ldif_of(&g, &LdifOptions { demo_password: Some("demo") });
        let snap = &g.snapshot;
        assert_eq!(counts.containers, 4);
        assert_eq!(counts.schools, snap.schools.len());
        assert_eq!(counts.classes, snap.classes.len());
        assert_eq!(counts.people, snap.people.len());
        assert_eq!(counts.passwords, 7);
        assert_eq!(text.matches("\ndn:").count() + 1, counts.entries());
        assert!(text.starts_with("dn: dc=ent,dc=test\n"));
        let lines = unfold(&text);
        let dns: Vec<&str> = lines.iter().filter(|(a, _)| a == "dn").map(|(_, v)| v.as_str()).collect();
        assert_eq!(dns[1..4], ["ou=structures,dc=ent,dc=test", "ou=groups,dc=ent,dc=test", "ou=people,dc=ent,dc=test"]);
        let school = school_dn(&snap.schools[0].uai, "dc=ent,dc=test");
        assert_eq!(dns[4], school);
        // The demo pupil: class, parents, legal parents, school.
        let pupil = g.demo_accounts.iter().find(|a| a.profile == Profile::Pupil).expect("demo pupil");
        let entry = text.split("\n\n").find(|e| e.starts_with("dn: uid=eleve.demo,")).expect("pupil entry");
        let attrs = unfold(entry);
        let get = |name: &str| attrs.iter().filter(|(a, _)| a == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
        assert_eq!(get("objectClass"), ["top", "inetOrgPerson", "ENTPerson", "ENTEleve"]);
        let person = snap.people.iter().find(|p| p.id == pupil.person_id).expect("person");
        assert_eq!(get("entryUUID"), [person.external_id.clone().expect("external id")]);
        assert_eq!(get("ENTPersonJointure"), get("entryUUID"));
        assert_eq!(get("ENTPersonProfils"), ["National_ELV"]);
        assert_eq!(get("ENTPersonStructRattach"), std::slice::from_ref(&school));
        assert_eq!(get("ENTEleveClasses").len(), 1);
        assert!(!get("ENTEleveAutoriteParentale").is_empty());
        assert!(get("ENTEleveAutoriteParentale").iter().all(|p| get("ENTEleveParents").contains(p)));
        assert!(get("mail").is_empty());
        assert!(get("userPassword")[0].starts_with("{SSHA}"));
        // The school's commune, and the city the demo agent serves.
        let city = snap.schools[0].city.clone().expect("the demo school's city");
        let school_entry = text.split("\n\n").find(|e| e.starts_with(&format!("dn: {school}\n"))).expect("school");
        let school_attrs = unfold(school_entry);
        assert!(school_attrs.contains(&("l".into(), city.name.clone())), "{school_attrs:?}");
        assert!(school_attrs.contains(&("ENTStructureCodeCommune".into(), city.code.clone())));
        let agent = text.split("\n\n").find(|e| e.starts_with("dn: uid=agent.demo,")).expect("agent entry");
        let agent_attrs = unfold(agent);
        assert!(agent_attrs.contains(&("objectClass".into(), "ENTAuxPersColl".into())), "{agent_attrs:?}");
        assert!(agent_attrs.contains(&("ENTAuxPersCollCodeCommune".into(), city.code)));
        assert_eq!(text.matches("\nENTAuxPersCollCodeCommune: ").count(), 1, "only the city agent serves a city");
        // Without a password option, no userPassword at all.
        let (text, counts) = ldif_of(&g, &LdifOptions::default());
        assert_eq!(counts.passwords, 0);
        assert!(!text.contains("userPassword"));
        // Deterministic.
        assert_eq!(
            ldif_of(&g, &LdifOptions { demo_password: Some("demo") }).0,
            ldif_of(&g, &LdifOptions { demo_password: Some("demo") }).0
        );
    }

    #[test]
    fn other_base_dns() {
        let g = generate(&GenerateOptions::default());
        let mut out = Vec::new();
        write_ldif(&g, "o=ent", &mut out).expect("o=");
        assert!(
            String::from_utf8(out)
                .expect("ASCII")
                .starts_with("dn: o=ent\nobjectClass: top\nobjectClass: organization\no: ent\n")
        );
        let err = write_ldif(&g, "cn=x,dc=test", &mut Vec::new()).expect_err("cn= base");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn reference_counts() {
        let g = generate(&GenerateOptions::reference());
        let mut out = io::sink();
        let counts = write_ldif(&g, "dc=ent,dc=test", &mut out).expect("ldif");
        let t = crate::generate::REFERENCE;
        assert_eq!((counts.schools, counts.classes), (t.schools, t.classes));
        assert_eq!(counts.people, g.snapshot.people.len());
        assert!(counts.people > t.pupils + t.parents + t.teachers);
    }
}
