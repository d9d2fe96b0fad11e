# Run at install time (cmake --install, cpack) by the rules in deploy/CMakeLists.txt: installs
# TCNS_SRC into ${CMAKE_INSTALL_PREFIX}/${TCNS_DEST}. The service files and scripts name the
# paths of a /usr install (a .deb); for any other prefix (from source: /usr/local; a test's
# temporary prefix) those paths are rewritten, since the prefix is only known now.
file(READ "${TCNS_SRC}" text)
set(prefix "${CMAKE_INSTALL_PREFIX}")
if(NOT prefix STREQUAL "/usr")
    string(REPLACE "/usr/bin/tcns" "${prefix}/${TCNS_BINDIR}/tcns" text "${text}")
    string(REPLACE "/usr/libexec/tcns/" "${prefix}/${TCNS_LIBEXECDIR}/tcns/" text "${text}")
    string(REPLACE "/usr/share/doc/tcns/" "${prefix}/${TCNS_DOCDIR}/" text "${text}")
    string(REPLACE "/usr/share/tcns/" "${prefix}/${TCNS_DATADIR}/tcns/" text "${text}")
endif()
get_filename_component(name "${TCNS_SRC}" NAME)
file(MAKE_DIRECTORY "${TCNS_STAGE}")
file(WRITE "${TCNS_STAGE}/${name}" "${text}")
if(TCNS_EXECUTABLE)
    set(perms OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
              WORLD_EXECUTE)
else()
    set(perms OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endif()
file(INSTALL DESTINATION "${prefix}/${TCNS_DEST}" TYPE FILE PERMISSIONS ${perms}
     FILES "${TCNS_STAGE}/${name}")
