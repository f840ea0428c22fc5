# Turns each .lua file in IN into `const char kefu_lua_<name>[]` in OUT.
set(body "/* Generated from the .lua files by cmake/embed.cmake. Do not edit. */\n")
foreach(f ${IN})
  get_filename_component(name ${f} NAME_WE)
  file(READ ${f} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  string(APPEND body "const char kefu_lua_${name}[] = {${hex}0x00};\n")
endforeach()
file(WRITE ${OUT} "${body}")
