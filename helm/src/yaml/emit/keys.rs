//! The order go-yaml gives map keys (`sorter.go`'s `keyList.Less`): letters after other
//! characters, digit runs compared as numbers; v3 tweaks the letter rule right after a digit.

use std::cmp::Ordering;

use crate::value::Value;

/// Orders map entries as go-yaml's `keyList` does. The map arrives byte-sorted, which already
/// matches in the common case, so check before sorting.
pub(super) fn sort_entries(entries: &mut [(&str, &Value)], v3: bool) {
    let cmp = |a: &str, b: &str| key_cmp(a, b, v3);
    if entries
        .windows(2)
        .all(|w| cmp(w[0].0, w[1].0) != Ordering::Greater)
    {
        return;
    }
    entries.sort_by(|a, b| cmp(a.0, b.0));
}

/// go-yaml's `keyList.Less` for two string keys: letters sort after non-letters, runs of digits
/// compare as numbers (`a2` < `a10`).
pub fn go_yaml_key_cmp(a: &str, b: &str) -> Ordering {
    key_cmp(a, b, false)
}

fn key_cmp(a: &str, b: &str, v3: bool) -> Ordering {
    if key_less(a, b, v3) {
        Ordering::Less
    } else if key_less(b, a, v3) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// `keyList.Less`; go-yaml v3 differs in one case: right after a digit, a letter sorts before
/// a non-letter.
fn key_less(a: &str, b: &str, v3: bool) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut i = 0;
    let mut after_digit = false;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            after_digit = ar[i].is_numeric();
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return if v3 && after_digit { al } else { bl };
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .wrapping_mul(10)
                .wrapping_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}
