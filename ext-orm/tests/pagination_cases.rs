//! The 29 pagination cases of the reference (Flask-SQLAlchemy 3.1's tests,
//! its docs, and values computed from its algorithm). Cases that need a
//! query (16–23) run over HTTP in `helpers.rs`; here they are checked on the
//! argument preparation they depend on.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ext_orm::{IterPages, PageArgs, Pagination};

fn page(page: u64, per_page: u64, items: usize, total: Option<u64>) -> Pagination<u64> {
    Pagination::from_parts(page, per_page, None, vec![0; items], total)
}

fn pages_of(total: u64, per_page: u64, current: u64) -> Vec<Option<u64>> {
    page(current, per_page, 1, Some(total)).iter_pages(IterPages::default())
}

fn list(spec: &[i64]) -> Vec<Option<u64>> {
    spec.iter().map(|&n| (n > 0).then_some(n as u64)).collect()
}

#[test]
fn case_01_first_page() {
    let p = page(1, 10, 10, Some(150));
    assert_eq!(p.pages(), 15);
    assert!(!p.has_prev());
    assert_eq!(p.prev_num(), None);
    assert!(p.has_next());
    assert_eq!(p.next_num(), Some(2));
}

#[test]
fn case_02_last_page() {
    let p = page(15, 10, 10, Some(150));
    assert!(p.has_prev());
    assert_eq!(p.prev_num(), Some(14));
    assert!(!p.has_next());
    assert_eq!(p.next_num(), None);
}

#[test]
fn case_03_item_numbers_first_page() {
    let p = page(1, 10, 10, Some(150));
    assert_eq!((p.first(), p.last()), (1, 10));
}

#[test]
fn case_04_item_numbers_last_page() {
    let p = page(15, 10, 5, Some(145));
    assert_eq!((p.first(), p.last()), (141, 145));
}

#[test]
fn case_05_item_numbers_0() {
    let p = page(1, 10, 0, Some(0));
    assert_eq!((p.first(), p.last()), (0, 0));
}

#[test]
fn case_06_0_pages() {
    for total in [Some(0), None] {
        let p = page(1, 10, 0, total);
        assert_eq!(p.pages(), 0);
        assert!(!p.has_prev());
        assert!(!p.has_next());
    }
}

#[test]
fn cases_07_to_12_iter_pages() {
    // 0 stands for a gap (None).
    let expected: [(u64, &[i64]); 6] = [
        (1, &[1, 2, 3, 4, 5, 0, 14, 15]),
        (5, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 14, 15]),
        (6, &[1, 2, 0, 4, 5, 6, 7, 8, 9, 10, 0, 14, 15]),
        (8, &[1, 2, 0, 6, 7, 8, 9, 10, 11, 12, 0, 14, 15]),
        (9, &[1, 2, 0, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
        (15, &[1, 2, 0, 13, 14, 15]),
    ];
    for (current, pages) in expected {
        assert_eq!(pages_of(150, 10, current), list(pages), "page {current}");
    }
}

#[test]
fn case_13_iter_0_pages() {
    assert!(page(1, 10, 0, Some(0))
        .iter_pages(IterPages::default())
        .is_empty());
}

#[test]
fn case_14_iter_pages_short() {
    for current in 1..=4 {
        assert_eq!(pages_of(40, 10, current), list(&[1, 2, 3, 4]));
    }
}

#[test]
fn case_15_docs_example() {
    assert_eq!(
        pages_of(200, 10, 7),
        list(&[1, 2, 0, 5, 6, 7, 8, 9, 10, 11, 0, 19, 20])
    );
}

#[test]
fn cases_16_to_21_argument_preparation() {
    // 16: no arguments; 17: from the query string; 18: clamped.
    assert_eq!(PageArgs::new().prepare(None).unwrap(), (1, 20));
    assert_eq!(
        PageArgs::new().prepare(Some("page=2&per_page=10")).unwrap(),
        (2, 10)
    );
    assert_eq!(
        PageArgs::new()
            .max_per_page(50)
            .prepare(Some("per_page=100"))
            .unwrap(),
        (1, 50)
    );
    // 19: 110 within a max of 250, and next() keeps both.
    let first = PageArgs::new()
        .max_per_page(250)
        .prepare(Some("per_page=110"))
        .unwrap();
    assert_eq!(first, (1, 110));
    let p = Pagination::from_parts(1, 110, Some(250), vec![0u8; 110], Some(300));
    assert_eq!(p.next_args(), (2, 110, Some(250)));
    // ...while prev() falls back to the class default of 100.
    let p = Pagination::from_parts(2, 110, Some(250), vec![0u8; 110], Some(300));
    assert_eq!(p.prev_args(), (1, 100, Some(100)));
    // 21: error_out.
    for query in ["page=abc", "per_page=abc", "page=0", "per_page=-1"] {
        let error = PageArgs::new().prepare(Some(query)).unwrap_err();
        assert_eq!(error.problem().status().as_u16(), 404, "{query}");
    }
}

#[test]
fn case_20_no_count() {
    let p = page(1, 20, 20, None);
    assert_eq!(p.total, None);
    assert_eq!(p.pages(), 0);
    assert!(!p.has_next());
}

#[test]
fn case_24_few_pages() {
    assert_eq!(pages_of(10, 10, 1), list(&[1]));
    assert_eq!(pages_of(20, 10, 1), list(&[1, 2]));
    assert_eq!(pages_of(30, 10, 1), list(&[1, 2, 3]));
}

#[test]
fn case_25_nine_pages() {
    assert_eq!(pages_of(90, 10, 1), list(&[1, 2, 3, 4, 5, 0, 8, 9]));
}

#[test]
fn case_26_past_the_end() {
    assert_eq!(pages_of(200, 10, 25), list(&[1, 2, 0]));
}

#[test]
fn case_27_and_28_edge_arguments() {
    let p = page(10, 10, 1, Some(200));
    let ones = IterPages {
        left_edge: 1,
        left_current: 1,
        right_current: 1,
        right_edge: 1,
    };
    assert_eq!(p.iter_pages(ones), list(&[1, 0, 9, 10, 11, 0, 20]));
    let zeros = IterPages {
        left_edge: 0,
        left_current: 0,
        right_current: 0,
        right_edge: 0,
    };
    assert_eq!(p.iter_pages(zeros), list(&[0, 10, 0]));
}

#[test]
fn case_29_page_counts() {
    for (total, per_page, pages) in [(0, 10, 0), (1, 20, 1), (21, 20, 2), (150, 10, 15), (250, 20, 13)] {
        assert_eq!(
            page(1, per_page, 0, Some(total)).pages(),
            pages,
            "{total}/{per_page}"
        );
    }
}

#[test]
fn python_int_rules_and_huge_values() {
    let prepare = |query: &str| PageArgs::new().prepare(Some(query));
    assert_eq!(prepare("page=+3").unwrap(), (3, 20));
    assert_eq!(prepare("page=1_0").unwrap(), (10, 20));
    assert!(prepare("page=").is_err());
    assert!(prepare("page=2.0").is_err());
    assert_eq!(prepare("page=9223372036854775808").unwrap(), (1u64 << 63, 20));
    assert_eq!(
        prepare("per_page=99999999999999999999999999999999999999999999").unwrap(),
        (1, u64::MAX)
    );
    assert_eq!(
        PageArgs::new()
            .error_out(false)
            .prepare(Some("per_page=0"))
            .unwrap(),
        (1, 20)
    );
    assert_eq!(
        PageArgs::new()
            .error_out(false)
            .prepare(Some("page=abc"))
            .unwrap(),
        (1, 20)
    );
}
