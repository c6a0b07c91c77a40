//! What the standard libraries say about types: the elements of containers,
//! and the result types of std methods and functions that depend only on
//! the receiver.

use crate::index::ty::Ty;
use crate::lang::Lang;

/// The element type of a container (or the pointee of a pointer), as a
/// range-for or an iterator yields it: `std::pair<const K, V>` for a C++
/// map, `(K, V)` for a Rust one.
pub fn element_of(ty: &Ty) -> Option<Ty> {
    let base = ty.base.as_str();
    let mut el = match base {
        "std::vector"
        | "std::deque"
        | "std::array"
        | "std::list"
        | "std::forward_list"
        | "std::set"
        | "std::unordered_set"
        | "std::multiset"
        | "std::unordered_multiset"
        | "std::span"
        | "std::initializer_list"
        | "Vec"
        | "VecDeque"
        | "[]"
        | "HashSet"
        | "BTreeSet"
        | "BinaryHeap"
        | "#iterator"
        | "QList"
        | "QVector"
        | "QSet"
        | "QStringList" => match base {
            "QStringList" => Ty::named("QString"),
            _ => ty.args.first()?.clone(),
        },
        "std::map" | "std::unordered_map" | "std::multimap" | "std::unordered_multimap" => {
            let mut key = ty.args.first()?.clone();
            key.is_const = true;
            Ty {
                base: "std::pair".into(),
                args: vec![key, ty.args.get(1)?.clone()],
                ..Ty::default()
            }
        }
        "HashMap" | "BTreeMap" => Ty {
            base: "()".into(),
            args: ty.args.iter().take(2).cloned().collect(),
            ..Ty::default()
        },
        "std::string" | "std::basic_string" => Ty::named("char"),
        _ if ty.is_ptr => Ty {
            is_ptr: false,
            ..ty.clone()
        },
        _ => return None,
    };
    el.is_const |= ty.is_const;
    Some(el)
}

/// What `container[key]` yields: a map's mapped value, else the element.
pub fn subscript_of(ty: &Ty) -> Option<Ty> {
    match ty.base.as_str() {
        "std::map" | "std::unordered_map" | "HashMap" | "BTreeMap" | "QMap" | "QHash" => {
            let mut v = ty.args.get(1)?.clone();
            v.is_const |= ty.is_const;
            Some(v)
        }
        _ => element_of(ty),
    }
}

/// A written `C<T>::iterator` (or `const_iterator`…) of a std container
/// as the iterator `.begin()` gives: one yielding `C<T>`'s elements.
pub fn written_iterator(ty: &Ty) -> Option<Ty> {
    let (container, member) = ty.base.rsplit_once("::")?;
    if !crate::index::ty::ITERATOR_MEMBERS.contains(&member) {
        return None;
    }
    let container = Ty {
        base: container.to_string(),
        args: ty.args.clone(),
        is_const: member.starts_with("const_"),
        ..Ty::default()
    };
    iterator_of(&container)
}

/// An iterator over `container`'s elements.
fn iterator_of(container: &Ty) -> Option<Ty> {
    Some(Ty {
        base: "#iterator".into(),
        args: vec![element_of(container)?],
        ..Ty::default()
    })
}

pub(super) fn owner_is_std_owned(base: &str) -> bool {
    matches!(
        base,
        "String"
            | "Vec"
            | "HashMap"
            | "HashSet"
            | "BTreeMap"
            | "BTreeSet"
            | "VecDeque"
            | "BinaryHeap"
            | "PathBuf"
            | "OsString"
    )
}

/// Result types of standard methods whose result does not depend on
/// anything but the receiver's type.
pub(super) fn std_method_type(lang: Lang, obj: &Ty, method: &str) -> Option<Ty> {
    let base = obj.base.as_str();
    match lang {
        Lang::Cpp => {
            let string = matches!(base, "std::string" | "std::basic_string");
            let sequence = matches!(
                base,
                "std::vector" | "std::deque" | "std::array" | "std::list" | "std::span"
            );
            match method {
                "size" | "length" | "capacity" | "count" if base.starts_with("std::") => {
                    Some(Ty::named("std::size_t"))
                }
                "empty" if base.starts_with("std::") => Some(Ty::named("bool")),
                "substr" if string => Some(Ty::named("std::string")),
                "str" if base.contains("stringstream") => Some(Ty::named("std::string")),
                "c_str" | "data" if string => Some(Ty {
                    base: "char".into(),
                    is_const: true,
                    is_ptr: true,
                    ..Ty::default()
                }),
                "at" | "front" | "back" if sequence || string => {
                    let mut el = element_of(obj)?;
                    el.is_ref = true;
                    Some(el)
                }
                "find" | "rfind" if string => Some(Ty::named("std::size_t")),
                "find" | "begin" | "end" | "cbegin" | "cend" | "lower_bound" | "upper_bound"
                    if base.starts_with("std::") =>
                {
                    iterator_of(obj)
                }
                "at" if base.ends_with("map") => {
                    let mut el = obj.args.get(1)?.clone();
                    el.is_ref = true;
                    el.is_const |= obj.is_const;
                    Some(el)
                }
                _ => None,
            }
        }
        Lang::Rust => match method {
            // Options a std collection or iterator hands out.
            "next" | "last" | "nth" | "max" | "min" | "find" | "peek" if base == "#iter" => {
                let item = obj.args.first()?.clone();
                Some(Ty {
                    base: "Option".into(),
                    args: vec![item],
                    ..Ty::default()
                })
            }
            "next_if" | "next_if_eq" | "next_back" | "nth_back" | "min_by_key" | "max_by_key"
                if base == "#iter" =>
            {
                Some(Ty {
                    base: "Option".into(),
                    args: vec![obj.args.first()?.clone()],
                    ..Ty::default()
                })
            }
            // The success value; `expect` and `unwrap` panic otherwise.
            "unwrap" | "expect" | "unwrap_or_default" | "unwrap_unchecked"
                if matches!(obj.short(), "Option" | "Result") =>
            {
                obj.args.first().cloned()
            }
            // A Result's success or error value, as an Option.
            "ok" | "err" if obj.short() == "Result" => Some(Ty {
                base: "Option".into(),
                args: vec![obj.args.get(usize::from(method == "err"))?.clone()],
                ..Ty::default()
            }),
            // The fallback of `or`/`or_else` has the receiver's type.
            "or" | "or_else" | "xor" if obj.short() == "Option" => Some(obj.value()),
            // A lock guard derefs to the locked value: read as a reference.
            "read" | "write" | "lock" if matches!(obj.short(), "RwLock" | "Mutex") => {
                let inner = obj.args.first()?.value();
                Some(Ty {
                    base: "Result".into(),
                    args: vec![Ty {
                        is_ref: true,
                        is_mut: method != "read",
                        ..inner
                    }],
                    ..Ty::default()
                })
            }
            "split_at" | "split_at_mut" if matches!(base, "Vec" | "[]") => {
                let half = Ty {
                    is_ref: true,
                    is_mut: method == "split_at_mut",
                    ..Ty::slice_of(obj.args.first()?.clone())
                };
                Some(Ty {
                    base: "()".into(),
                    args: vec![half.clone(), half],
                    ..Ty::default()
                })
            }
            "first" | "last" | "get" | "first_mut" | "last_mut" | "get_mut"
                if matches!(base, "Vec" | "[]" | "VecDeque" | "HashMap" | "BTreeMap") =>
            {
                let el = match base {
                    "HashMap" | "BTreeMap" => obj.args.get(1)?.clone(),
                    _ => obj.args.first()?.clone(),
                };
                Some(Ty {
                    base: "Option".into(),
                    args: vec![Ty {
                        is_ref: true,
                        is_mut: method.ends_with("_mut"),
                        ..el
                    }],
                    ..Ty::default()
                })
            }
            "pop" | "pop_front" | "pop_back"
                if matches!(base, "Vec" | "VecDeque" | "BinaryHeap") =>
            {
                Some(Ty {
                    base: "Option".into(),
                    args: vec![obj.args.first()?.clone()],
                    ..Ty::default()
                })
            }
            "to_string" => Some(Ty::named("String")),
            "to_owned" if base == "str" => Some(Ty::named("String")),
            "to_owned" | "clone" if !obj.is_unknown() && base != "[]" => Some(obj.value()),
            "to_vec" => Some(Ty {
                base: "Vec".into(),
                args: element_of(obj).into_iter().collect(),
                ..Ty::default()
            }),
            "as_bytes" => Some(Ty {
                is_ref: true,
                ..Ty::slice_of(Ty::named("u8"))
            }),
            "to_be_bytes" | "to_le_bytes" | "to_ne_bytes" => Some(Ty::slice_of(Ty::named("u8"))),
            "as_slice" | "as_mut_slice" if matches!(base, "Vec" | "[]") => Some(Ty {
                base: "[]".into(),
                args: element_of(obj).into_iter().collect(),
                is_ref: true,
                is_mut: method == "as_mut_slice",
                ..Ty::default()
            }),
            // `Cell<T>::get`, `RefCell<T>::borrow`: the value inside.
            "get" | "take" | "into_inner" if matches!(base, "Cell" | "RefCell") => {
                obj.args.first().cloned()
            }
            "borrow" | "borrow_mut" if base == "RefCell" => obj.args.first().map(|t| Ty {
                is_ref: true,
                is_mut: method == "borrow_mut",
                ..t.clone()
            }),
            "len" | "count" | "capacity" => Some(Ty::named("usize")),
            "is_empty" | "contains" | "contains_key" | "starts_with" | "ends_with" => {
                Some(Ty::named("bool"))
            }
            "as_str" | "trim" | "trim_start" | "trim_end" => Some(Ty {
                base: "str".into(),
                is_ref: true,
                ..Ty::default()
            }),
            "join" | "concat" | "to_lowercase" | "to_uppercase" | "repeat" | "replace" => {
                matches!(base, "str" | "String" | "[]" | "Vec").then(|| Ty::named("String"))
            }
            _ => None,
        },
    }
}

/// Standard free functions whose result type is fixed.
pub(super) fn cpp_std_function_type(written: &str) -> Option<Ty> {
    match written {
        "std::to_string" | "std::string" => Some(Ty::named("std::string")),
        "std::to_wstring" | "std::wstring" => Some(Ty::named("std::wstring")),
        "std::vector" | "std::map" | "std::set" | "std::unordered_map" => Some(Ty::named(written)),
        _ => None,
    }
}
