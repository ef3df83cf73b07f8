# libedit (Debian libedit-dev): line editing and history for the interactive shells.
find_path(LIBEDIT_INCLUDE_DIR editline/readline.h)
find_library(LIBEDIT_LIBRARY NAMES edit)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LibEdit REQUIRED_VARS LIBEDIT_INCLUDE_DIR LIBEDIT_LIBRARY)
if(LibEdit_FOUND AND NOT TARGET LibEdit::edit)
  add_library(LibEdit::edit UNKNOWN IMPORTED)
  set_target_properties(LibEdit::edit PROPERTIES IMPORTED_LOCATION "${LIBEDIT_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LIBEDIT_INCLUDE_DIR}")
endif()
mark_as_advanced(LIBEDIT_INCLUDE_DIR LIBEDIT_LIBRARY)
