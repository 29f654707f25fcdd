//! Where extensions find each other, as Flask extensions use
//! `app.extensions["sqlalchemy"]`.
//!
//! Values are filed by type and instance name, so several instances of one
//! extension live side by side (`mongo` and `mongo2`). The first instance of
//! a type is also its default, handed to handlers as `web::Data<T>`.
//!
//! ```
//! use ext_core::Registry;
//!
//! #[derive(Debug, PartialEq)]
//! struct Database(&'static str);
//!
//! let mut registry = Registry::default();
//! registry.insert("mongo", Database("main"));
//! registry.insert("mongo2", Database("archive"));
//! assert_eq!(registry.get::<Database>().unwrap().0, "main");
//! assert_eq!(registry.get_named::<Database>("mongo2").unwrap().0, "archive");
//! assert_eq!(registry.names::<Database>(), ["mongo", "mongo2"]);
//! ```

use std::any::{Any, TypeId};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use actix_web::HttpRequest;

type Entry = Arc<dyn Any + Send + Sync>;

/// Extension state filed by type and instance name.
#[derive(Clone, Default)]
pub struct Registry {
    named: BTreeMap<(TypeId, String), Entry>,
    defaults: BTreeMap<TypeId, (String, Entry)>,
    type_names: BTreeMap<TypeId, &'static str>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries: Vec<_> = self
            .named
            .keys()
            .map(|(type_id, name)| {
                (
                    name.as_str(),
                    self.type_names.get(type_id).copied().unwrap_or("?"),
                )
            })
            .collect();
        f.debug_struct("Registry").field("entries", &entries).finish()
    }
}

impl Registry {
    /// Files `value` under `name`; the first value of its type becomes the
    /// default. Returns the shared value. A second value with the same type
    /// and name replaces the first.
    pub fn insert<T: Send + Sync + 'static>(&mut self, name: &str, value: T) -> Arc<T> {
        let value = Arc::new(value);
        self.insert_arc(name, Arc::clone(&value));
        value
    }

    /// Like [`Registry::insert`], for a value that is already shared.
    pub fn insert_arc<T: Send + Sync + 'static>(&mut self, name: &str, value: Arc<T>) {
        let type_id = TypeId::of::<T>();
        let entry: Entry = value;
        self.type_names.insert(type_id, std::any::type_name::<T>());
        self.named.insert((type_id, name.to_owned()), Arc::clone(&entry));
        match self.defaults.get_mut(&type_id) {
            Some((default_name, default)) if default_name == name => *default = entry,
            Some(_) => {}
            None => {
                self.defaults.insert(type_id, (name.to_owned(), entry));
            }
        }
    }

    /// The default (first registered) value of type `T`.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        let (_, entry) = self.defaults.get(&TypeId::of::<T>())?;
        Arc::clone(entry).downcast().ok()
    }

    /// The value of type `T` filed under `name`.
    pub fn get_named<T: Send + Sync + 'static>(&self, name: &str) -> Option<Arc<T>> {
        let entry = self.named.get(&(TypeId::of::<T>(), name.to_owned()))?;
        Arc::clone(entry).downcast().ok()
    }

    /// The names under which values of type `T` are filed, in name order.
    pub fn names<T: 'static>(&self) -> Vec<&str> {
        let type_id = TypeId::of::<T>();
        self.named
            .keys()
            .filter(|(id, _)| *id == type_id)
            .map(|(_, name)| name.as_str())
            .collect()
    }
}

/// Gives requests access to the app's [`Registry`].
pub trait RegistryExt {
    /// The registry of the app that serves this request, if it was built by
    /// [`crate::ExtApp`].
    fn registry(&self) -> Option<&Registry>;
}

impl RegistryExt for HttpRequest {
    fn registry(&self) -> Option<&Registry> {
        self.app_data::<actix_web::web::Data<Registry>>()
            .map(|data| data.get_ref())
    }
}
